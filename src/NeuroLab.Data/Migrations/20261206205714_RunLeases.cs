using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace NeuroLab.Data.Migrations
{
    /// <inheritdoc />
    public partial class RunLeases : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "LeaseExpiresAtUtc",
                table: "Runs",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "LeaseOwner",
                table: "Runs",
                type: "TEXT",
                maxLength: 128,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "LeaseExpiresAtUtc",
                table: "Runs");

            migrationBuilder.DropColumn(
                name: "LeaseOwner",
                table: "Runs");
        }
    }
}

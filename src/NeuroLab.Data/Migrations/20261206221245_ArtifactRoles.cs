using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace NeuroLab.Data.Migrations
{
    /// <inheritdoc />
    public partial class ArtifactRoles : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Role",
                table: "RunArtifacts",
                type: "TEXT",
                maxLength: 32,
                nullable: false,
                defaultValue: "");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Role",
                table: "RunArtifacts");
        }
    }
}

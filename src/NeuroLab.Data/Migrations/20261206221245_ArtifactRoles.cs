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

            // Artifacts written before roles get the role their kind declares (the names are the kinds' declarations).
            migrationBuilder.Sql("""
                UPDATE RunArtifacts SET Role = CASE
                    WHEN Name = 'test_r.npy' THEN 'unit-scores'
                    WHEN Kind = 'map' THEN 'volume-map'
                    WHEN Kind = 'table' THEN 'table'
                    WHEN Kind IN ('json', 'captions') THEN 'document'
                    WHEN Name IN ('test_r2.npy', 'best_alpha.npy', 'p_values.npy', 'q_values.npy', 'noise_ceiling_percent.npy', 'fraction_of_ceiling_percent.npy') THEN 'unit-values'
                    ELSE 'matrix' END
                WHERE Role = '';
                """);
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

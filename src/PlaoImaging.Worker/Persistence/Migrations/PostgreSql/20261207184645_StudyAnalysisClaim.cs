using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PlaoImaging.Worker.Persistence.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class StudyAnalysisClaim : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "AnalysisClaim",
                table: "studies",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            // A study left analysing by the version before this column holds its claim in its reason: it keeps it, so
            // that the job holding it, retried or recovered after the upgrade, still finds it.
            migrationBuilder.Sql("""
                UPDATE studies SET "AnalysisClaim" = "Reason" WHERE "State" = 'Analysing' AND "Reason" LIKE 'being analysed by %' AND length("Reason") <= 64;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "AnalysisClaim",
                table: "studies");
        }
    }
}

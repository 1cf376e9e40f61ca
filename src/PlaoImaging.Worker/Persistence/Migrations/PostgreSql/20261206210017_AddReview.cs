using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace PlaoImaging.Worker.Persistence.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class AddReview : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_exports_AnalysisId_Destination",
                table: "exports");

            migrationBuilder.AddColumn<int>(
                name: "ReviewNumber",
                table: "produced_objects",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "ReviewNumber",
                table: "exports",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateTable(
                name: "audit_entries",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    StudyId = table.Column<long>(type: "bigint", nullable: false),
                    At = table.Column<long>(type: "bigint", nullable: false),
                    User = table.Column<string>(type: "text", nullable: false),
                    Action = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Level = table.Column<string>(type: "text", nullable: true),
                    BeforeJson = table.Column<string>(type: "text", nullable: true),
                    AfterJson = table.Column<string>(type: "text", nullable: true),
                    ModelVersion = table.Column<string>(type: "text", nullable: false),
                    ReviewNumber = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_audit_entries", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "reviews",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    StudyId = table.Column<long>(type: "bigint", nullable: false),
                    AnalysisId = table.Column<long>(type: "bigint", nullable: false),
                    ReviewNumber = table.Column<int>(type: "integer", nullable: false),
                    Version = table.Column<long>(type: "bigint", nullable: false),
                    State = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    LevelsJson = table.Column<string>(type: "text", nullable: false),
                    SignedLevelsJson = table.Column<string>(type: "text", nullable: true),
                    SignedReviewNumber = table.Column<int>(type: "integer", nullable: true),
                    SignedBy = table.Column<string>(type: "text", nullable: true),
                    SignedAt = table.Column<long>(type: "bigint", nullable: true),
                    CreatedAt = table.Column<long>(type: "bigint", nullable: false),
                    LastChangedBy = table.Column<string>(type: "text", nullable: false),
                    LastChangedAt = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_reviews", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_exports_AnalysisId_Destination_ReviewNumber",
                table: "exports",
                columns: new[] { "AnalysisId", "Destination", "ReviewNumber" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_audit_entries_StudyId_Id",
                table: "audit_entries",
                columns: new[] { "StudyId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_reviews_StudyId_AnalysisId",
                table: "reviews",
                columns: new[] { "StudyId", "AnalysisId" },
                unique: true);

            // The audit trail is append-only: the database itself refuses to change or remove an entry.
            migrationBuilder.Sql("CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit entries are append-only'; END $$;");
            migrationBuilder.Sql("CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only();");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS audit_entries_append_only ON audit_entries;");
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS audit_entries_append_only();");

            migrationBuilder.DropTable(
                name: "audit_entries");

            migrationBuilder.DropTable(
                name: "reviews");

            migrationBuilder.DropIndex(
                name: "IX_exports_AnalysisId_Destination_ReviewNumber",
                table: "exports");

            migrationBuilder.DropColumn(
                name: "ReviewNumber",
                table: "produced_objects");

            migrationBuilder.DropColumn(
                name: "ReviewNumber",
                table: "exports");

            migrationBuilder.CreateIndex(
                name: "IX_exports_AnalysisId_Destination",
                table: "exports",
                columns: new[] { "AnalysisId", "Destination" },
                unique: true);
        }
    }
}

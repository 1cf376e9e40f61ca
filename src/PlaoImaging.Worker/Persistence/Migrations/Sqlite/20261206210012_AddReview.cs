using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PlaoImaging.Worker.Persistence.Migrations.Sqlite
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
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "ReviewNumber",
                table: "exports",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateTable(
                name: "audit_entries",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    StudyId = table.Column<long>(type: "INTEGER", nullable: false),
                    At = table.Column<long>(type: "INTEGER", nullable: false),
                    User = table.Column<string>(type: "TEXT", nullable: false),
                    Action = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Level = table.Column<string>(type: "TEXT", nullable: true),
                    BeforeJson = table.Column<string>(type: "TEXT", nullable: true),
                    AfterJson = table.Column<string>(type: "TEXT", nullable: true),
                    ModelVersion = table.Column<string>(type: "TEXT", nullable: false),
                    ReviewNumber = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_audit_entries", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "reviews",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    StudyId = table.Column<long>(type: "INTEGER", nullable: false),
                    AnalysisId = table.Column<long>(type: "INTEGER", nullable: false),
                    ReviewNumber = table.Column<int>(type: "INTEGER", nullable: false),
                    Version = table.Column<long>(type: "INTEGER", nullable: false),
                    State = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    LevelsJson = table.Column<string>(type: "TEXT", nullable: false),
                    SignedLevelsJson = table.Column<string>(type: "TEXT", nullable: true),
                    SignedReviewNumber = table.Column<int>(type: "INTEGER", nullable: true),
                    SignedBy = table.Column<string>(type: "TEXT", nullable: true),
                    SignedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    LastChangedBy = table.Column<string>(type: "TEXT", nullable: false),
                    LastChangedAt = table.Column<long>(type: "INTEGER", nullable: false)
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
            migrationBuilder.Sql("CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;");
            migrationBuilder.Sql("CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS audit_entries_no_update;");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS audit_entries_no_delete;");

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

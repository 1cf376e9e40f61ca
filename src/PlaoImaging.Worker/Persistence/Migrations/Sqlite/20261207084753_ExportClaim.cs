using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PlaoImaging.Worker.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ExportClaim : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "ClaimedBy",
                table: "exports",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "ClaimedUntil",
                table: "exports",
                type: "INTEGER",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ClaimedBy",
                table: "exports");

            migrationBuilder.DropColumn(
                name: "ClaimedUntil",
                table: "exports");
        }
    }
}

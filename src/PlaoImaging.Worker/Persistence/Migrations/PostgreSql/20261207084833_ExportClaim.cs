using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PlaoImaging.Worker.Persistence.Migrations.PostgreSql
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
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "ClaimedUntil",
                table: "exports",
                type: "bigint",
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

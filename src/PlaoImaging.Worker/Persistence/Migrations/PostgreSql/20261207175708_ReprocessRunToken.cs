using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PlaoImaging.Worker.Persistence.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class ReprocessRunToken : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "RunToken",
                table: "reprocess_requests",
                type: "character varying(32)",
                maxLength: 32,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "RunToken",
                table: "reprocess_requests");
        }
    }
}

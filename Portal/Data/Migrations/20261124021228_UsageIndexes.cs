using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Data.Migrations
{
    /// <inheritdoc />
    public partial class UsageIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Reservations_BoardId",
                table: "Reservations");

            migrationBuilder.CreateIndex(
                name: "IX_Reservations_BoardId_GrantedAt",
                table: "Reservations",
                columns: new[] { "BoardId", "GrantedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Reservations_GrantedAt",
                table: "Reservations",
                column: "GrantedAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Reservations_BoardId_GrantedAt",
                table: "Reservations");

            migrationBuilder.DropIndex(
                name: "IX_Reservations_GrantedAt",
                table: "Reservations");

            migrationBuilder.CreateIndex(
                name: "IX_Reservations_BoardId",
                table: "Reservations",
                column: "BoardId");
        }
    }
}

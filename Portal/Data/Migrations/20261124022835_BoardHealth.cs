using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Data.Migrations
{
    /// <inheritdoc />
    public partial class BoardHealth : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "HealthCheck",
                table: "Reservations",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "CheckDue",
                table: "Boards",
                type: "TEXT",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "FailedChecksInRow",
                table: "Boards",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "Health",
                table: "Boards",
                type: "TEXT",
                maxLength: 20,
                nullable: false,
                // Boards that exist before health checks were never checked.
                defaultValue: "Unknown");

            migrationBuilder.AddColumn<string>(
                name: "HealthNote",
                table: "Boards",
                type: "TEXT",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "LastCheckAt",
                table: "Boards",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "OfflineReason",
                table: "Boards",
                type: "TEXT",
                maxLength: 1000,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "ReservationsSinceCheck",
                table: "Boards",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateTable(
                name: "HealthChecks",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    BoardId = table.Column<int>(type: "INTEGER", nullable: false),
                    ReservationId = table.Column<int>(type: "INTEGER", nullable: false),
                    Trigger = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Outcome = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    Log = table.Column<string>(type: "TEXT", nullable: false),
                    StartedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    FinishedAt = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_HealthChecks", x => x.Id);
                    table.ForeignKey(
                        name: "FK_HealthChecks_Boards_BoardId",
                        column: x => x.BoardId,
                        principalTable: "Boards",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_HealthChecks_BoardId_Id",
                table: "HealthChecks",
                columns: new[] { "BoardId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_HealthChecks_ReservationId",
                table: "HealthChecks",
                column: "ReservationId",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "HealthChecks");

            migrationBuilder.DropColumn(
                name: "HealthCheck",
                table: "Reservations");

            migrationBuilder.DropColumn(
                name: "CheckDue",
                table: "Boards");

            migrationBuilder.DropColumn(
                name: "FailedChecksInRow",
                table: "Boards");

            migrationBuilder.DropColumn(
                name: "Health",
                table: "Boards");

            migrationBuilder.DropColumn(
                name: "HealthNote",
                table: "Boards");

            migrationBuilder.DropColumn(
                name: "LastCheckAt",
                table: "Boards");

            migrationBuilder.DropColumn(
                name: "OfflineReason",
                table: "Boards");

            migrationBuilder.DropColumn(
                name: "ReservationsSinceCheck",
                table: "Boards");
        }
    }
}

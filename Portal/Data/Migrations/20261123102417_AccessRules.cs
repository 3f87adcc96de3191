using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Data.Migrations
{
    /// <inheritdoc />
    public partial class AccessRules : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "AccessRules",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    SubjectKind = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    SubjectUserId = table.Column<string>(type: "TEXT", nullable: true),
                    SubjectGroupId = table.Column<int>(type: "INTEGER", nullable: true),
                    Capability = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    TargetKind = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    TargetBoardId = table.Column<int>(type: "INTEGER", nullable: true),
                    TargetClassId = table.Column<int>(type: "INTEGER", nullable: true),
                    Effect = table.Column<string>(type: "TEXT", maxLength: 10, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AccessRules", x => x.Id);
                    table.ForeignKey(
                        name: "FK_AccessRules_AspNetUsers_SubjectUserId",
                        column: x => x.SubjectUserId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_AccessRules_BoardClasses_TargetClassId",
                        column: x => x.TargetClassId,
                        principalTable: "BoardClasses",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_AccessRules_Boards_TargetBoardId",
                        column: x => x.TargetBoardId,
                        principalTable: "Boards",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_AccessRules_Groups_SubjectGroupId",
                        column: x => x.SubjectGroupId,
                        principalTable: "Groups",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_AccessRules_Capability",
                table: "AccessRules",
                column: "Capability");

            migrationBuilder.CreateIndex(
                name: "IX_AccessRules_SubjectGroupId",
                table: "AccessRules",
                column: "SubjectGroupId");

            migrationBuilder.CreateIndex(
                name: "IX_AccessRules_SubjectUserId",
                table: "AccessRules",
                column: "SubjectUserId");

            migrationBuilder.CreateIndex(
                name: "IX_AccessRules_TargetBoardId",
                table: "AccessRules",
                column: "TargetBoardId");

            migrationBuilder.CreateIndex(
                name: "IX_AccessRules_TargetClassId",
                table: "AccessRules",
                column: "TargetClassId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "AccessRules");
        }
    }
}

using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Access;
using Portal.Lab;

namespace Portal.Api;

/// <summary>A user as an admin creates one over the API.</summary>
public sealed record ApiNewUser(string Email, string Password, bool IsAdmin = false, IReadOnlyList<string>? Groups = null);

/// <summary>What an admin changes of a user: admin or not, groups, disabled or not.</summary>
public sealed record ApiUserUpdate(bool IsAdmin, IReadOnlyList<string>? Groups, bool Disabled);

public sealed record ApiGroup(string Name);

/// <summary>A rule written as in <c>Lab:DefaultRules</c>: Subject <c>*</c>, <c>user:EMAIL</c> or <c>group:NAME</c>; Target <c>*</c>, <c>board:NAME</c> or <c>class:NAME</c>.</summary>
public sealed record ApiRule(int? Id, string Subject, string Capability, string Target, string Effect)
{
    public static ApiRule From(AccessRuleView r) => new(
        r.Id,
        r.SubjectKind switch { Portal.Data.SubjectKind.User => $"user:{r.Subject}", Portal.Data.SubjectKind.Group => $"group:{r.Subject}", _ => "*" },
        r.Capability.ToString(),
        r.TargetKind switch { Portal.Data.TargetKind.Board => $"board:{r.Target}", Portal.Data.TargetKind.Class => $"class:{r.Target}", _ => "*" },
        r.Effect.ToString());
}

/// <summary>Users, groups and access rules under /api/v1/admin, for admins only: a lab provisioned by a script.</summary>
public static class AdminApi
{
    public static RouteGroupBuilder MapAdminApi(this RouteGroupBuilder api)
    {
        var admin = api.MapGroup("/admin").WithTags("Admin").AddEndpointFilter(async (context, next) =>
            context.HttpContext.User.IsInRole(Roles.Admin)
                ? await next(context)
                : TypedResults.Problem(detail: "Only admins may manage users, groups, access rules and boards' health.", statusCode: StatusCodes.Status403Forbidden));

        admin.MapGet("/users", async (UserAdminService users, CancellationToken ct) => await users.ListAsync(ct))
            .WithSummary("All users with their groups");

        admin.MapPost("/users", async Task<Results<Created<UserRow>, ProblemHttpResult>> (ApiNewUser request, Actor actor, UserAdminService users, CancellationToken ct) =>
        {
            var created = await users.CreateAsync(actor, new NewUser(request.Email, request.Password, request.IsAdmin, request.Groups ?? []), ct);
            return created.Error is { } error
                ? Invalid(error)
                : TypedResults.Created($"/api/v1/admin/users", (await users.ListAsync(ct)).Single(u => string.Equals(u.Email, request.Email, StringComparison.OrdinalIgnoreCase)));
        }).WithSummary("Create a user");

        admin.MapPut("/users/{id}", async Task<Results<Ok<UserRow>, ProblemHttpResult>> (string id, ApiUserUpdate request, Actor actor, UserAdminService users, CancellationToken ct) =>
        {
            if ((await users.ListAsync(ct)).All(u => u.Id != id))
            {
                return NoSuchUser(id);
            }

            var result = await users.UpdateAsync(actor, id, request.IsAdmin, request.Groups ?? [], ct);
            if (result.Error is null)
            {
                result = await users.SetDisabledAsync(actor, id, request.Disabled, ct);
            }

            return result.Error is { } error ? Invalid(error) : TypedResults.Ok((await users.ListAsync(ct)).Single(u => u.Id == id));
        }).WithSummary("Make a user an admin or not, set their groups, disable or enable them");

        admin.MapDelete("/users/{id}", async Task<Results<NoContent, ProblemHttpResult>> (string id, Actor actor, UserAdminService users, CancellationToken ct) =>
        {
            if ((await users.ListAsync(ct)).All(u => u.Id != id))
            {
                return NoSuchUser(id);
            }

            return await users.DeleteAsync(actor, id, ct) is { Error: { } error } ? Invalid(error) : TypedResults.NoContent();
        }).WithSummary("Delete a user");

        admin.MapGet("/groups", async (UserAdminService users, CancellationToken ct) => (await users.ListGroupsAsync(ct)).Select(g => new ApiGroup(g)).ToList())
            .WithSummary("All groups");

        admin.MapPost("/groups", async Task<Results<Created<ApiGroup>, ProblemHttpResult>> (ApiGroup request, Actor actor, UserAdminService users, CancellationToken ct) =>
            await users.CreateGroupAsync(actor, request.Name, ct) is { Error: { } error } ? Invalid(error) : TypedResults.Created("/api/v1/admin/groups", request))
            .WithSummary("Create a group");

        admin.MapDelete("/groups/{name}", async Task<Results<NoContent, ProblemHttpResult>> (string name, Actor actor, UserAdminService users, CancellationToken ct) =>
        {
            if (!(await users.ListGroupsAsync(ct)).Contains(name))
            {
                return TypedResults.Problem(detail: $"There is no group named '{name}'.", statusCode: StatusCodes.Status404NotFound);
            }

            return await users.DeleteGroupAsync(actor, name, ct) is { Error: { } error } ? Invalid(error) : TypedResults.NoContent();
        }).WithSummary("Delete a group");

        admin.MapGet("/rules", async (AccessRuleService rules, CancellationToken ct) => (await rules.ListAsync(null, ct)).Select(ApiRule.From).ToList())
            .WithSummary("All access rules");

        admin.MapPost("/rules", async Task<Results<Created<ApiRule>, ProblemHttpResult>> (ApiRule request, Actor actor, AccessRuleService rules, CancellationToken ct) =>
        {
            var (input, key, reason) = DefaultRules.Parse(new DefaultRuleOptions { Subject = request.Subject, Capability = request.Capability, Target = request.Target, Effect = request.Effect });
            if (input is null)
            {
                return Invalid($"{key}: {reason}");
            }

            var before = (await rules.ListAsync(null, ct)).Select(r => r.Id).ToHashSet();
            if (await rules.CreateAsync(actor, input, ct) is { Error: { } error })
            {
                return Invalid(error);
            }

            var created = (await rules.ListAsync(null, ct)).First(r => !before.Contains(r.Id));
            return TypedResults.Created($"/api/v1/admin/rules/{created.Id}", ApiRule.From(created));
        }).WithSummary("Add an access rule (audited, in effect at once)");

        admin.MapDelete("/rules/{id:int}", async Task<Results<NoContent, ProblemHttpResult>> (int id, Actor actor, AccessRuleService rules, CancellationToken ct) =>
        {
            if ((await rules.ListAsync(null, ct)).All(r => r.Id != id))
            {
                return TypedResults.Problem(detail: $"There is no access rule {id}.", statusCode: StatusCodes.Status404NotFound);
            }

            return await rules.DeleteAsync(actor, id, ct) is { Error: { } error } ? Invalid(error) : TypedResults.NoContent();
        }).WithSummary("Delete an access rule (audited, in effect at once)");

        admin.MapHealthAdminApi();
        return api;
    }

    private static ProblemHttpResult Invalid(string error) => TypedResults.Problem(detail: error, statusCode: StatusCodes.Status400BadRequest);

    private static ProblemHttpResult NoSuchUser(string id) => TypedResults.Problem(detail: $"There is no user with id '{id}'.", statusCode: StatusCodes.Status404NotFound);
}

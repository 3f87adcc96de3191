using Microsoft.AspNetCore.Http.HttpResults;

namespace Portal.Api;

public sealed record AddSshKeyRequest(string? Key);

/// <summary>The caller's own SSH public keys under /api/v1/account (as on the SSH keys page).</summary>
public static class AccountApi
{
    public static RouteGroupBuilder MapAccountApi(this RouteGroupBuilder api)
    {
        api.MapGet("/account/ssh-keys", async (Actor actor, SshKeyService keys, CancellationToken ct) =>
            await keys.ListAsync(actor.UserId, ct))
            .WithSummary("My SSH public keys with their fingerprints");

        api.MapPost("/account/ssh-keys", async Task<Results<Created<SshKeyView>, ProblemHttpResult>> (AddSshKeyRequest request, Actor actor, SshKeyService keys, CancellationToken ct) =>
        {
            var added = await keys.AddAsync(actor.UserId, request.Key, ct);
            return added.Key is { } key
                ? TypedResults.Created($"/api/v1/account/ssh-keys/{key.Id}", key)
                : TypedResults.Problem(detail: added.Error, statusCode: StatusCodes.Status400BadRequest);
        }).WithSummary("Add an SSH public key (one authorized_keys line); the setup script and sandboxes get it");

        api.MapDelete("/account/ssh-keys/{id:int}", async Task<Results<NoContent, ProblemHttpResult>> (int id, Actor actor, SshKeyService keys, CancellationToken ct) =>
            await keys.DeleteAsync(actor.UserId, id, ct)
                ? TypedResults.NoContent()
                : TypedResults.Problem(detail: $"You have no SSH key {id}.", statusCode: StatusCodes.Status404NotFound))
            .WithSummary("Remove one of my SSH keys");

        return api;
    }
}

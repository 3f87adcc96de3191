using System.Reflection;
using System.Security.Claims;

namespace Portal.Identity;

/// <summary>Who asks, in every area: every check of "holder or admin" is made against this.</summary>
public sealed record Actor(string UserId, string Email, bool IsAdmin)
{
    /// <summary>The one rule for acting on something a user holds or owns (a reservation, a queue entry, a sandbox, a log): that user, or an admin.</summary>
    public bool IsHolderOrAdmin(string? holderUserId) => IsAdmin || (holderUserId is not null && holderUserId == UserId);

    /// <summary>
    /// The user's groups when they were read from the database with the actor, in this request (a personal access
    /// token's authentication); null otherwise, and an access decision reads them itself.
    /// </summary>
    public IReadOnlySet<int>? GroupIds { get; init; }

    /// <summary>
    /// Lets an endpoint take the signed-in user as a parameter, resolved by <see cref="ActorResolver"/>: whether they
    /// are an admin comes from the database, not the cookie. Endpoints taking it require authentication.
    /// </summary>
    public static async ValueTask<Actor?> BindAsync(HttpContext context, ParameterInfo parameter) =>
        context.User.FindFirstValue(ClaimTypes.NameIdentifier) is null ? null : await OfAsync(context);

    /// <summary>
    /// The signed-in user of the request, as <see cref="ActorResolver"/> sees them; once per request: an authentication
    /// that already read the user's roles from the database in this request (a personal access token) leaves the actor
    /// with <see cref="ReadDuringAuthentication"/>.
    /// </summary>
    public static async Task<Actor> OfAsync(HttpContext context)
    {
        var userId = context.User.FindFirstValue(ClaimTypes.NameIdentifier);
        if (context.Items.TryGetValue(typeof(Actor), out var known) && known is Actor actor && actor.UserId == userId)
        {
            return actor;
        }

        actor = await context.RequestServices.GetRequiredService<ActorResolver>().ResolveAsync(context.User, context.RequestAborted);
        context.Items[typeof(Actor)] = actor;
        return actor;
    }

    /// <summary>Keeps the actor an authentication handler read from the database for the rest of the request.</summary>
    public static void ReadDuringAuthentication(HttpContext context, Actor actor) => context.Items[typeof(Actor)] = actor;
}

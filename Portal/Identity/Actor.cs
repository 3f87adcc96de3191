namespace Portal.Identity;

/// <summary>Who asks, in every area: every check of "holder or admin" is made against this.</summary>
public sealed record Actor(string UserId, string Email, bool IsAdmin)
{
    /// <summary>The one rule for acting on something a user holds or owns (a reservation, a queue entry, a sandbox, a log): that user, or an admin.</summary>
    public bool IsHolderOrAdmin(string? holderUserId) => IsAdmin || (holderUserId is not null && holderUserId == UserId);
}

namespace Portal.Identity;

/// <summary>Who asks, in every area: every check of "holder or admin" is made against this.</summary>
public sealed record Actor(string UserId, string Email, bool IsAdmin);

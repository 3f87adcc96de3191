using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Portal.Data;

namespace Portal.Api;

public sealed record AccessTokenView(int Id, string Name, string Prefix, DateTime CreatedAt, DateTime? ExpiresAt, DateTime? LastUsedAt, DateTime? RevokedAt);

/// <summary>Who a token speaks for: the owner's id, user name (their email), whether they are disabled, their roles and their groups.</summary>
public sealed record TokenOwner(string UserId, string UserName, bool IsDisabled, IReadOnlyList<string> Roles, IReadOnlySet<int> GroupIds);

/// <summary>The secret of a new token, shown once, beside what is kept of it.</summary>
public sealed record NewAccessToken(AccessTokenView Token, string Secret);

/// <summary>Personal access tokens: created on the Tokens page, stored hashed, revocable, checked on every API call.</summary>
public sealed class AccessTokenService(IDbContextFactory<ApplicationDbContext> dbFactory, LabEvents events, TimeProvider clock, ILogger<AccessTokenService> logger)
{
    public const string SecretPrefix = "ptl_";

    // Every API call asks who its token speaks for; a token and its owner's roles and groups change only where
    // UsersChanged is published (a revocation, an admin's change to the account), which empties this at once. Keyed by
    // the token's hash, so no secret is kept.
    private readonly LabEventCache<string, KnownToken> _known = new(events, labEvent => labEvent is UsersChanged, capacity: 10_000);

    // Every API call runs it: compiled once, so a call skips EF Core's translation-cache lookup of the expression (per
    // instance: a compiled query serves one model, and a process may host several portals, as the tests do). One round
    // trip: the owner's roles and groups are a handful each, so their joined rows cost less than a query each.
    private readonly Func<ApplicationDbContext, string, DateTime, CancellationToken, Task<TokenRow?>> _ownerOfToken = EF.CompileAsyncQuery(
        (ApplicationDbContext db, string hash, DateTime now, CancellationToken cancellationToken) => db.AccessTokens.AsNoTracking().AsSingleQuery()
            .Where(t => t.Hash == hash && t.RevokedAt == null && (t.ExpiresAt == null || t.ExpiresAt > now))
            .Select(t => new TokenRow(
                t.Id,
                t.ExpiresAt,
                t.UserId,
                t.LastUsedAt,
                t.User.UserName,
                t.User.LockoutEnd,
                db.UserRoles.Where(ur => ur.UserId == t.UserId).Join(db.Roles, ur => ur.RoleId, r => r.Id, (_, r) => r.Name!).ToList(),
                t.User.Groups.Select(g => g.Id).ToList()))
            .SingleOrDefault());

    public async Task<NewAccessToken> CreateAsync(string userId, string name, DateTime? expiresAt, CancellationToken cancellationToken)
    {
        var secret = SecretPrefix + Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        var token = new PersonalAccessToken
        {
            UserId = userId,
            Name = name.Trim(),
            Hash = HashOf(secret),
            Prefix = secret[..12],
            CreatedAt = clock.GetUtcNow().UtcDateTime,
            ExpiresAt = expiresAt,
        };
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        db.AccessTokens.Add(token);
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Access token {TokenId} ({Prefix}...) created for user {UserId}", token.Id, token.Prefix, userId);
        return new NewAccessToken(View(token), secret);
    }

    public async Task<IReadOnlyList<AccessTokenView>> ListAsync(string userId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var tokens = await db.AccessTokens.AsNoTracking().Where(t => t.UserId == userId).OrderByDescending(t => t.Id).ToListAsync(cancellationToken);
        return tokens.Select(View).ToList();
    }

    /// <summary>Revokes one of the user's tokens; false when they have no such token.</summary>
    public async Task<bool> RevokeAsync(string userId, int tokenId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        var revoked = await db.AccessTokens
            .Where(t => t.Id == tokenId && t.UserId == userId && t.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedAt, now), cancellationToken);
        if (revoked == 1)
        {
            logger.LogInformation("Access token {TokenId} of user {UserId} revoked", tokenId, userId);
            events.Publish(new UsersChanged(userId));
        }
        else
        {
            logger.LogInformation("Access token {TokenId} of user {UserId} not revoked: no such live token of theirs", tokenId, userId);
        }

        return revoked == 1;
    }

    /// <summary>
    /// The owner of a valid (known, unrevoked, unexpired) token with their roles, or null; records the use. Read in one
    /// query, and kept until the account or its tokens change.
    /// </summary>
    public async Task<TokenOwner?> AuthenticateAsync(string secret, CancellationToken cancellationToken)
    {
        if (!secret.StartsWith(SecretPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var hash = HashOf(secret);
        var now = clock.GetUtcNow().UtcDateTime;
        var token = await _known.GetOrReadAsync(hash, ct => ReadAsync(hash, now, ct), cancellationToken);
        if (token is null || token.ExpiresAt <= now)
        {
            return null;
        }

        // "Last used" is for people; a minute's precision spares the database a write per API call.
        if (token.TakeUseToRecord(now))
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            await db.AccessTokens.Where(t => t.Id == token.Id).ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, now), cancellationToken);
        }

        return token.Owner;
    }

    private async Task<KnownToken?> ReadAsync(string hash, DateTime now, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await _ownerOfToken(db, hash, now, cancellationToken) is { } row
            ? new KnownToken(
                row.Id,
                row.ExpiresAt,
                new TokenOwner(row.UserId, row.UserName ?? row.UserId, row.LockoutEnd == DateTimeOffset.MaxValue, row.Roles, row.Groups.ToHashSet()),
                row.LastUsedAt)
            : null;
    }

    private static string HashOf(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static string Base64UrlEncode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static AccessTokenView View(PersonalAccessToken t) => new(t.Id, t.Name, t.Prefix, t.CreatedAt, t.ExpiresAt, t.LastUsedAt, t.RevokedAt);

    private sealed class KnownToken(int id, DateTime? expiresAt, TokenOwner owner, DateTime? lastUsedAt)
    {
        private static readonly TimeSpan UsePrecision = TimeSpan.FromMinutes(1);

        private long _lastUsedTicks = lastUsedAt?.Ticks ?? 0;

        public int Id => id;

        public DateTime? ExpiresAt => expiresAt;

        public TokenOwner Owner => owner;

        /// <summary>Whether this use is to be written down: the first in a minute (of those that race, one).</summary>
        public bool TakeUseToRecord(DateTime now)
        {
            var last = Interlocked.Read(ref _lastUsedTicks);
            return now.Ticks - last > UsePrecision.Ticks && Interlocked.CompareExchange(ref _lastUsedTicks, now.Ticks, last) == last;
        }
    }

    private sealed record TokenRow(int Id, DateTime? ExpiresAt, string UserId, DateTime? LastUsedAt, string? UserName, DateTimeOffset? LockoutEnd, List<string> Roles, List<int> Groups);
}

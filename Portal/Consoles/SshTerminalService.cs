using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Access;
using Portal.Audit;
using Portal.Data;
using Portal.Hardware;
using Portal.Hardware.Ssh;
using Portal.Lab;
using Portal.Reservations;

namespace Portal.Consoles;

/// <summary>An SSH shell just opened, and what the terminal should say first (a host key recorded on first use).</summary>
public sealed record SshOpened(SshShellSession Session, string? Notice);

/// <summary>A command run over SSH: its exit code and output, or <see cref="Error"/>, one sentence, when it could not run.</summary>
public sealed record SshCommandResult(int? ExitCode, string Output, string? Error);

/// <summary>What the portal trusts of a board's host key, for its board page.</summary>
public sealed record SshHostKeyView(string? Pinned, string? Recorded, DateTime? RecordedAt, string? RecordedBy, string? Offered, DateTime? OfferedAt);

/// <summary>
/// SSH terminals to boards: who may open one (the holder or an admin, with ConsoleWrite), the host keys the portal
/// trusts (pinned in config, else recorded on first use and changed only by an admin), and the opening itself.
/// </summary>
public sealed class SshTerminalService(
    IOptionsMonitor<LabOptions> lab,
    IOptionsMonitor<ConsoleOptions> options,
    ConsoleAccess consoleAccess,
    IDbContextFactory<ApplicationDbContext> dbFactory,
    AuditLog audit,
    LabEvents events,
    TimeProvider clock,
    IHostEnvironment environment,
    ILogger<SshTerminalService> logger)
{
    public const string FirstUse = "first use";

    public bool HasSsh(string board) => lab.CurrentValue.FindBoard(board)?.Ssh is not null;

    /// <summary>Where SSH to the board goes, as host:port (e.g. 10.0.0.21:22); null for a board without SSH.</summary>
    public string? EndpointOf(string board) => lab.CurrentValue.FindBoard(board)?.Ssh is { } ssh ? $"{ssh.Host}:{ssh.Port}" : null;

    /// <summary>Null when the actor may open SSH on the board, else why not.</summary>
    public async Task<string?> RefusalAsync(Actor actor, string board, CancellationToken cancellationToken) =>
        await consoleAccess.DecideAsync(actor, board, cancellationToken) switch
        {
            { Holds: false } => $"only the holder of {board} or an admin may open SSH",
            { Write.Permitted: false } decision => $"you lack ConsoleWrite on {board} ({decision.Write.Reason})",
            _ => null,
        };

    /// <summary>Re-decided when reservations or rules change: null while an open session may stay, else why it closes.</summary>
    public async Task<string?> ClosingReasonAsync(Actor actor, string board, CancellationToken cancellationToken) =>
        await consoleAccess.DecideAsync(actor, board, cancellationToken) switch
        {
            { Holds: false } => "reservation ended",
            { Write.Permitted: false } decision => $"you lack ConsoleWrite ({decision.Write.Reason})",
            _ => null,
        };

    public async Task<SshOpened> OpenAsync(Actor actor, string board, int columns, int rows, CancellationToken cancellationToken)
    {
        if (lab.CurrentValue.FindBoard(board)?.Ssh is not { } ssh)
        {
            throw new ShellSessionException($"ssh: board {board} has no SSH settings");
        }

        if (await RefusalAsync(actor, board, cancellationToken) is { } refusal)
        {
            throw new ShellSessionException($"ssh: {refusal}");
        }

        var (session, notice) = await ConnectAsync(
            actor.Email,
            board,
            ssh,
            async (target, checkHostKey) =>
            {
                var session = await SshShell.OpenAsync(target, checkHostKey, columns, rows, options.CurrentValue.SshConnectTimeout, cancellationToken);
                return (session, session.HostKeyFingerprint);
            },
            cancellationToken);
        return new SshOpened(session, notice);
    }

    /// <summary>
    /// A health check runs a command on the board it holds (no user, so no rights to check), trusting host keys as
    /// the terminals do; every failure is in the result's one sentence.
    /// </summary>
    public async Task<SshCommandResult> RunForHealthCheckAsync(string board, string command, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (lab.CurrentValue.FindBoard(board)?.Ssh is not { } ssh)
        {
            return new(null, "", $"ssh: board {board} has no SSH settings");
        }

        try
        {
            var (result, _) = await ConnectAsync(
                "health-check",
                board,
                ssh,
                async (target, checkHostKey) =>
                {
                    var ran = await SshShell.RunAsync(target, checkHostKey, command, options.CurrentValue.SshConnectTimeout, timeout, cancellationToken);
                    return (ran, ran.HostKeyFingerprint);
                },
                cancellationToken);
            return new(result.ExitCode, result.Output, null);
        }
        catch (ShellSessionException ex)
        {
            return new(null, "", ex.Message);
        }
    }

    // Connects by the board's config, trusting the host key pinned or recorded (or recording it on first use), and
    // says what the terminal should print first; a refused key is kept as offered for an admin to accept.
    private async Task<(T Result, string? Notice)> ConnectAsync<T>(
        string by, string board, SshOptions ssh, Func<SshTarget, Func<string, string?>, Task<(T Result, string Fingerprint)>> connect, CancellationToken cancellationToken)
    {
        // A relative key file is taken from the app's folder, as the database and console logs are.
        var keyFile = string.IsNullOrWhiteSpace(ssh.KeyFile) ? null : Path.Combine(environment.ContentRootPath, ssh.KeyFile);
        var target = new SshTarget(ssh.Host!, ssh.Port, ssh.User!, keyFile, string.IsNullOrEmpty(ssh.Password) ? null : ssh.Password);
        var recorded = await RecordedAsync(board, cancellationToken);
        string? offered = null;
        string? CheckHostKey(string fingerprint)
        {
            var trusted = ssh.HostKeyFingerprint ?? recorded?.Fingerprint;
            if (trusted is null || trusted == fingerprint)
            {
                return null;
            }

            offered = fingerprint;
            return ssh.HostKeyFingerprint is not null
                ? $"ssh: host key of {board} is {fingerprint}, not the pinned {trusted}; refusing to connect"
                : $"ssh: host key of {board} changed from {trusted} to {fingerprint}; refusing to connect until an admin accepts the new key on the board page";
        }

        T result;
        string fingerprint;
        try
        {
            (result, fingerprint) = await connect(target, CheckHostKey);
        }
        catch (ShellSessionException ex)
        {
            logger.LogWarning("SSH to {Board} ({Endpoint}) for {User} failed: {Reason}", board, target.Endpoint, by, ex.Message);
            if (offered is not null && ssh.HostKeyFingerprint is null)
            {
                await RecordOfferAsync(board, offered, cancellationToken);
            }

            throw;
        }

        logger.LogInformation("SSH to {Board} ({Endpoint}) opened for {User}, host key {Fingerprint}", board, target.Endpoint, by, fingerprint);
        try
        {
            var notice = ssh.HostKeyFingerprint is null && recorded is null && await RecordFirstUseAsync(by, board, fingerprint, cancellationToken)
                ? $"[host key {fingerprint} recorded on first use]"
                : null;
            return (result, notice);
        }
        catch
        {
            if (result is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync();
            }

            throw;
        }
    }

    public async Task<SshHostKeyView> GetHostKeyAsync(string board, CancellationToken cancellationToken)
    {
        var recorded = await RecordedAsync(board, cancellationToken);
        return new(lab.CurrentValue.FindBoard(board)?.Ssh?.HostKeyFingerprint, recorded?.Fingerprint, recorded?.RecordedAt, recorded?.RecordedBy, recorded?.OfferedFingerprint, recorded?.OfferedAt);
    }

    /// <summary>An admin trusts the key the board offered instead of the recorded one. Returns the error, or null.</summary>
    public async Task<string?> AcceptOfferedHostKeyAsync(Actor actor, string board, CancellationToken cancellationToken)
    {
        if (!actor.IsAdmin)
        {
            return "Only admins may accept a new host key.";
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var key = await db.SshHostKeys.SingleOrDefaultAsync(k => k.Board == board, cancellationToken);
        if (key?.OfferedFingerprint is not { } offered)
        {
            return $"{board} has offered no new host key.";
        }

        var previous = key.Fingerprint;
        key.Fingerprint = offered;
        key.RecordedAt = clock.GetUtcNow().UtcDateTime;
        key.RecordedBy = actor.Email;
        key.OfferedFingerprint = null;
        key.OfferedAt = null;
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("{Admin} accepted host key {Fingerprint} for {Board} (was {Previous})", actor.Email, offered, board, previous);
        await audit.WriteAsync(actor.Email, "ssh-host-key-accepted", board, null, $"{previous} -> {offered}", cancellationToken);
        events.Publish(new BoardChanged(board));
        return null;
    }

    private async Task<SshHostKey?> RecordedAsync(string board, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.SshHostKeys.AsNoTracking().SingleOrDefaultAsync(k => k.Board == board, cancellationToken);
    }

    /// <summary>Whether this call recorded the key (two first connections at once: the database keeps one).</summary>
    private async Task<bool> RecordFirstUseAsync(string by, string board, string fingerprint, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        db.SshHostKeys.Add(new SshHostKey { Board = board, Fingerprint = fingerprint, RecordedAt = clock.GetUtcNow().UtcDateTime, RecordedBy = FirstUse });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (DbErrors.IsUniqueViolation(ex))
        {
            return false;
        }

        logger.LogInformation("Host key {Fingerprint} of {Board} recorded on first use", fingerprint, board);
        await audit.WriteAsync(by, "ssh-host-key-recorded", board, null, fingerprint, cancellationToken);
        return true;
    }

    private async Task RecordOfferAsync(string board, string offered, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var key = await db.SshHostKeys.SingleAsync(k => k.Board == board, cancellationToken);
        if (key.OfferedFingerprint != offered)
        {
            key.OfferedFingerprint = offered;
            key.OfferedAt = clock.GetUtcNow().UtcDateTime;
            await db.SaveChangesAsync(cancellationToken);
            events.Publish(new BoardChanged(board));
        }
    }
}

using Portal.Audit;
using Portal.Hardware.Containers;

namespace Portal.Sandboxes;

/// <summary>
/// Files into and out of a READY sandbox as tar streams through the engine's archive API (<c>docker cp</c>), for the
/// holder of its board (and admins) with the Sandbox capability; copies in are audited.
/// </summary>
public sealed class SandboxFiles(SandboxService sandboxes, IContainerProvider engine, AuditLog audit, ILogger<SandboxFiles> logger)
{
    /// <summary>A path in the container: absolute, without NUL, at most 4096 characters; else the sentence saying why not.</summary>
    public static string? PathProblem(string? path) => path switch
    {
        null or "" => "Give the path in the sandbox as ?path=/some/where.",
        { Length: > 4096 } => "The path in the sandbox is longer than 4096 characters.",
        _ when !path.StartsWith('/') => $"'{path}' is not an absolute path in the sandbox.",
        _ when path.Contains('\0') => "The path in the sandbox contains a NUL character.",
        _ => null,
    };

    /// <summary>
    /// Unpacks the tar stream into the directory, every file owned by the sandbox's user; throws
    /// <see cref="Hardware.ShellSessionException"/> or <see cref="ContainerEngineException"/> with the sentence.
    /// </summary>
    public async Task CopyInAsync(Actor actor, int sandboxId, string directory, Stream tar, CancellationToken cancellationToken)
    {
        var (sandbox, container) = await sandboxes.UsableContainerAsync(actor, sandboxId, cancellationToken);
        if (await SandboxAccount.ReadAsync(engine, container, cancellationToken) is { } account)
        {
            // Re-owned into a private temporary file first, so a body that is not a tar is refused before the engine sees any of it.
            await using var owned = new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 64 * 1024, FileOptions.DeleteOnClose);
            try
            {
                await account.OwnAsync(tar, owned, cancellationToken);
            }
            catch (Exception ex) when (ex is InvalidDataException or FormatException or ArgumentException)
            {
                throw new ContainerEngineException($"the upload is not a tar archive ({ex.Message})", ex);
            }

            owned.Position = 0;
            await engine.CopyToAsync(container, directory, owned, cancellationToken);
        }
        else
        {
            await engine.CopyToAsync(container, directory, tar, cancellationToken);
        }

        logger.LogInformation("Files copied into {Directory} of sandbox {Sandbox} by {User}", directory, sandbox.ContainerName, actor.Email);
        await audit.WriteAsync(actor.Email, "sandbox.copy-in", sandbox.Board, sandbox.ReservationId, $"{sandbox.ContainerName}:{directory}", CancellationToken.None);
    }

    /// <summary>A tar stream of the file or directory; throws as <see cref="CopyInAsync"/>.</summary>
    public async Task<Stream> CopyOutAsync(Actor actor, int sandboxId, string path, CancellationToken cancellationToken)
    {
        var (_, container) = await sandboxes.UsableContainerAsync(actor, sandboxId, cancellationToken);
        return await engine.CopyFromAsync(container, path, cancellationToken);
    }
}

using System.Formats.Tar;
using System.Text;
using Portal.Data;
using Portal.Hardware.Containers;

namespace Portal.Sandboxes;

/// <summary>
/// Puts the holder's SSH public keys in the sandbox user's <c>~/.ssh/authorized_keys</c> once the sandbox is READY, in
/// the background after the change committed, so a service in the image (sshd, say) lets the holder in by key.
/// </summary>
internal sealed class SandboxKeys(SandboxService sandboxes, IContainerProvider engine, SshKeyService keys, ILogger<SandboxKeys> logger) : ILabEventHandler<SandboxChanged>
{
    public bool Takes(SandboxChanged changed) => changed.Status == SandboxStatus.Ready;

    public async Task HandleAsync(SandboxChanged changed, CancellationToken cancellationToken)
    {
        if (await sandboxes.GetAsync(changed.SandboxId, cancellationToken) is not { Status: SandboxStatus.Ready, ContainerId: { } container } sandbox)
        {
            return;
        }

        var authorized = await keys.AuthorizedKeysAsync(sandbox.UserId, cancellationToken);
        if (authorized.Length == 0)
        {
            return;
        }

        try
        {
            var (home, uid, gid) = await SandboxAccount.ReadAsync(engine, container, cancellationToken) ?? new SandboxAccount("/root", 0, 0);
            using var tar = new MemoryStream();
            await using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
            {
                await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, ".ssh") { Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, Uid = uid, Gid = gid }, cancellationToken);
                await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, ".ssh/authorized_keys")
                {
                    Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                    Uid = uid,
                    Gid = gid,
                    DataStream = new MemoryStream(Encoding.UTF8.GetBytes(authorized)),
                }, cancellationToken);
            }

            tar.Position = 0;
            await engine.CopyToAsync(container, home, tar, cancellationToken);
            logger.LogInformation("SSH keys of the holder put in {Home}/.ssh/authorized_keys of sandbox {Sandbox}", home, sandbox.ContainerName);
        }
        catch (ContainerEngineException ex)
        {
            logger.LogWarning("SSH keys could not be put in sandbox {Sandbox}: {Reason}", sandbox.ContainerName, ex.Message);
        }
    }
}

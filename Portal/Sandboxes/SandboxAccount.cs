using System.Formats.Tar;
using System.Text;
using Portal.Hardware.Containers;

namespace Portal.Sandboxes;

/// <summary>The user a sandbox runs as, as its own shell says: home, uid and gid (<c>Lab:Containers:User</c> may be a name of the image).</summary>
internal sealed record SandboxAccount(string Home, int Uid, int Gid)
{
    /// <summary>Asks the container's shell; null when its answer is not a home, a uid and a gid.</summary>
    public static async Task<SandboxAccount?> ReadAsync(IContainerProvider engine, string container, CancellationToken cancellationToken)
    {
        await using var shell = await engine.ExecAsync(container, ["sh", "-c", "printf '%s %s %s' \"$HOME\" \"$(id -u)\" \"$(id -g)\""], 200, 24, cancellationToken);
        var output = new StringBuilder();
        var buffer = new byte[1024];
        int read;
        while (output.Length < 8192 && (read = await shell.ReadAsync(buffer, cancellationToken)) > 0)
        {
            output.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }

        var parts = output.ToString().Trim().Split(' ');
        return parts.Length == 3 && parts[0].StartsWith('/') && int.TryParse(parts[1], out var uid) && int.TryParse(parts[2], out var gid)
            ? new SandboxAccount(parts[0], uid, gid)
            : null;
    }

    /// <summary>
    /// Copies the tar with every entry owned by this user, so files copied in are the sandbox user's to change (the
    /// engine would keep the uploader's uid from the entries). Names, modes, times, links and contents are kept; user and
    /// group names and extended attributes are not. Throws <see cref="InvalidDataException"/> when it is not a tar.
    /// </summary>
    public async Task OwnAsync(Stream tar, Stream into, CancellationToken cancellationToken)
    {
        await using var reader = new TarReader(tar, leaveOpen: true);
        await using var writer = new TarWriter(into, TarEntryFormat.Pax, leaveOpen: true);
        while (await reader.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
        {
            var owned = new PaxTarEntry(entry.EntryType == TarEntryType.V7RegularFile ? TarEntryType.RegularFile : entry.EntryType, entry.Name)
            {
                Mode = entry.Mode,
                ModificationTime = entry.ModificationTime,
                Uid = Uid,
                Gid = Gid,
                DataStream = entry.DataStream,
            };
            if (entry.EntryType is TarEntryType.SymbolicLink or TarEntryType.HardLink)
            {
                owned.LinkName = entry.LinkName;
            }

            await writer.WriteEntryAsync(owned, cancellationToken);
        }
    }
}

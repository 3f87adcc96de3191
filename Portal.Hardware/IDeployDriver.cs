namespace Portal.Hardware;

/// <summary>One file to put on a board, in a slot the deploy driver knows (kernel, initrd, disk, image...).</summary>
public sealed record DeployFile(string Slot, string Name, string Path);

/// <summary>What to deploy: the files by slot, and the kernel command line where the driver sets one.</summary>
public sealed record DeployRequest(IReadOnlyList<DeployFile> Files, string? Append);

/// <summary>
/// Puts files onto a board for its next boot (labgrid's write-image, LAVA's deploy action): into an emulator's boot
/// settings, a TFTP folder the boot loader fetches from, or through a site's flashing command.
/// </summary>
public interface IDeployDriver
{
    /// <summary>The slots this board takes files in, in the order a page offers them.</summary>
    IReadOnlyList<string> Slots { get; }

    /// <summary>Deploys; each line the driver or its command prints goes to <paramref name="output"/> as it comes.</summary>
    Task DeployAsync(DeployRequest request, Action<string> output, CancellationToken cancellationToken);
}

/// <summary>A deploy failed; the message is one sentence fit to show on the page.</summary>
public sealed class DeployDriverException(string message, Exception? inner = null) : Exception(message, inner);

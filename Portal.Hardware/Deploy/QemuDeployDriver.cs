using Portal.Hardware.Qemu;

namespace Portal.Hardware.Deploy;

/// <summary>
/// Deploy to a QEMU board: the files become its kernel, initrd and disk (and <c>Append</c> its command line) from the
/// next start on, over the ones in its power settings. No settings.
/// </summary>
public sealed class QemuDeployDriver(BoardDriverContext context, QemuLab lab) : IDeployDriver, IDriver
{
    public static string Name => "qemu";

    public static IReadOnlyList<string> RequiredSettings => [];

    public IReadOnlyList<string> Slots => ["kernel", "initrd", "disk"];

    public Task DeployAsync(DeployRequest request, Action<string> output, CancellationToken cancellationToken)
    {
        string? PathOf(string slot) => request.Files.FirstOrDefault(f => f.Slot == slot)?.Path;
        var boot = new QemuBoot(PathOf("kernel"), PathOf("initrd"), request.Append, PathOf("disk"));
        if (boot.Kernel is null && boot.Drive is null)
        {
            throw new DeployDriverException("A QEMU board needs a kernel or a disk to boot.");
        }

        if (boot.Initrd is not null && boot.Kernel is null)
        {
            throw new DeployDriverException("An initrd needs a kernel deployed with it.");
        }

        lab.Machine(context.BoardName).Deployed = boot;
        foreach (var file in request.Files)
        {
            output($"{file.Slot}: {file.Name} set for the next boot of {context.BoardName}");
        }

        return Task.CompletedTask;
    }
}

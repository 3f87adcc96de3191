namespace Portal.Reservations;

/// <summary>
/// A folder of this process in the temporary folder, for the files handed to setup scripts, removed when disposed. A
/// portal killed while a script ran (SIGKILL runs no clean-up) leaves its folder behind, so each new one first removes
/// the folders whose portal has gone: each portal holds a lock on its folder's <c>.lock</c> file (an flock, which the
/// kernel lets go when the process ends), so a folder whose lock can be taken is abandoned.
/// </summary>
public sealed class ScriptFileFolder : IDisposable
{
    private const string Prefix = "portal-scripts-";
    private const string LockFile = ".lock";

    private readonly FileStream _lock;

    private ScriptFileFolder(string path, FileStream held)
    {
        Path = path;
        _lock = held;
    }

    /// <summary>The folder, readable by the portal's user only.</summary>
    public string Path { get; }

    public static ScriptFileFolder Create()
    {
        RemoveAbandoned();
        var path = Directory.CreateTempSubdirectory(Prefix).FullName;
        return new ScriptFileFolder(path, Lock(System.IO.Path.Combine(path, LockFile), FileMode.CreateNew));
    }

    public void Dispose()
    {
        _lock.Dispose();
        Directory.Delete(Path, recursive: true);
    }

    private static void RemoveAbandoned()
    {
        foreach (var folder in Directory.GetDirectories(System.IO.Path.GetTempPath(), Prefix + "*"))
        {
            try
            {
                Lock(System.IO.Path.Combine(folder, LockFile), FileMode.Open).Dispose();
                Directory.Delete(folder, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Its portal still runs (the lock is held), is starting (no lock file yet), or is another user's.
            }
        }
    }

    // FileShare.None takes an exclusive flock on Linux, which fails while any other process holds one.
    private static FileStream Lock(string path, FileMode mode) => new(path, mode, FileAccess.Write, FileShare.None);
}

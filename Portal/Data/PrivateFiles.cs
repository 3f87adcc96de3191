namespace Portal.Data;

/// <summary>
/// The portal's own files (the data folder, the database, console recordings) hold what other local users must not
/// read: created readable by the portal's user only (folders 0700, files 0600). Existing files keep their mode.
/// </summary>
public static class PrivateFiles
{
    private const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static void CreateFolder(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, FolderMode);
        }
    }

    /// <summary>Creates an empty file unless it exists, so that a program filling it later (SQLite) keeps its mode.</summary>
    public static void CreateFile(string path)
    {
        if (File.Exists(path))
        {
            return;
        }

        try
        {
            using var _ = new FileStream(path, Options(System.IO.FileMode.CreateNew, FileAccess.Write));
        }
        catch (IOException) when (File.Exists(path))
        {
            // Created meanwhile by someone else: theirs stands.
        }
    }

    public static FileStream OpenAppend(string path) => new(path, Options(System.IO.FileMode.Append, FileAccess.Write));

    /// <summary>Opens a file to read and write, creating it when missing.</summary>
    public static FileStream OpenReadWrite(string path) => new(path, Options(System.IO.FileMode.OpenOrCreate, FileAccess.ReadWrite));

    private static FileStreamOptions Options(System.IO.FileMode mode, FileAccess access)
    {
        var options = new FileStreamOptions { Mode = mode, Access = access, Share = FileShare.Read, Options = FileOptions.Asynchronous };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = FileMode;
        }

        return options;
    }
}

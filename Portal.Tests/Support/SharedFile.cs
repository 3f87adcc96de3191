namespace Portal.Tests.Support;

public static class SharedFile
{
    /// <summary>Reads a file another process or thread still writes (a console recording).</summary>
    public static string ReadAllText(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return new StreamReader(stream).ReadToEnd();
    }
}

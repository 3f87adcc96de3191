using System.Security.Cryptography;

namespace Portal.Identity;

public static class PasswordGenerator
{
    /// <summary>
    /// A random password that satisfies Identity's default rules (upper, lower, digit, symbol) and is easy to read out:
    /// no look-alike characters such as O/0 or l/1.
    /// </summary>
    public static string Generate() =>
        $"{RandomNumberGenerator.GetString("ABCDEFGHJKLMNPQRSTUVWXYZ", 4)}-{RandomNumberGenerator.GetString("abcdefghijkmnopqrstuvwxyz", 6)}-{RandomNumberGenerator.GetString("23456789", 4)}";
}

namespace Portal.Tests.Support;

/// <summary>
/// Tests that need a real service (Chromium, snmpd, sshd, dockerd...) skip when it is missing, unless
/// PORTAL_REQUIRE_INTEGRATION=1 (set by ./test.sh and so by CI), where a missing service fails the test.
/// </summary>
public static class IntegrationRequirement
{
    public static bool Required => Environment.GetEnvironmentVariable("PORTAL_REQUIRE_INTEGRATION") == "1";

    public static string? SkipReasonUnless(bool available, string what) =>
        available || Required ? null : $"{what} is not available here (./test.sh installs it and sets PORTAL_REQUIRE_INTEGRATION=1, which turns this skip into a failure)";
}

/// <summary>A test driven in Debian's headless Chromium.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute() => Skip = IntegrationRequirement.SkipReasonUnless(File.Exists(BrowserFixture.ChromiumPath), BrowserFixture.ChromiumPath);
}

/// <summary>A test against a real snmpd (Debian package snmpd) started by <see cref="SnmpdFixture"/>.</summary>
public sealed class SnmpdFactAttribute : FactAttribute
{
    public SnmpdFactAttribute() => Skip = IntegrationRequirement.SkipReasonUnless(File.Exists(SnmpdFixture.SnmpdPath), SnmpdFixture.SnmpdPath);
}

using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Data.Sqlite;
using Portal.Tests.Support;
using Portal.Web;

namespace Portal.Tests.Web;

/// <summary>A test that reaches the portal on an address of this machine that is not loopback.</summary>
public sealed class NonLoopbackFactAttribute : FactAttribute
{
    public NonLoopbackFactAttribute() => Skip = IntegrationRequirement.SkipReasonUnless(HttpsTests.OwnAddress() is not null, "A network address other than loopback");
}

public sealed class HttpsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("portal-https-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>An IPv4 address of this machine other than loopback, or null.</summary>
    public static IPAddress? OwnAddress() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));

    [NonLoopbackFact]
    public async Task BeyondLoopbackThePortalServesHttpsWithASelfSignedCertificateItKeepsAndRedirectsPlainHttp()
    {
        var address = OwnAddress()!;
        var httpsPort = LoopbackPorts.FreeTcp();
        var certificateFile = Path.Combine(_directory, "https.pfx");
        var settings = Settings(httpsPort);
        settings["Portal:Https:SelfSignedCertificate"] = certificateFile;

        string fingerprint;
        await using (var portal = await PortalProcess.StartAsync(settings, listenOn: "0.0.0.0"))
        {
            var http = new Uri($"http://{address}:{portal.Address.Port}/");
            var https = new Uri($"https://{address}:{httpsPort}/");

            // Plain HTTP from another address is sent to HTTPS, method and path kept.
            using var plain = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = http };
            var redirected = await plain.PostAsync("api/v1/reservations", null);
            Assert.Equal(HttpStatusCode.PermanentRedirect, redirected.StatusCode);
            Assert.Equal(new Uri(https, "api/v1/reservations"), redirected.Headers.Location);

            // On loopback, plain HTTP is served as before.
            using var local = new HttpClient { BaseAddress = portal.Address };
            Assert.Equal(HttpStatusCode.OK, (await local.GetAsync("healthz/live")).StatusCode);

            // HTTPS answers with the certificate it made, whose fingerprint it printed; HSTS tells browsers to stay.
            var (served, response) = await GetOverHttpsAsync(new Uri(https, "healthz/live"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True(response.Headers.Contains("Strict-Transport-Security"));
            using var kept = X509CertificateLoader.LoadPkcs12FromFile(certificateFile, null);
            Assert.Equal(kept.Thumbprint, served.Thumbprint);
            fingerprint = SelfSignedCertificate.Fingerprint(served);
            Assert.Contains(fingerprint, portal.Output);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(certificateFile));
        }

        // The next start serves the same certificate and prints nothing about it.
        await using (var again = await PortalProcess.StartAsync(settings, listenOn: "0.0.0.0"))
        {
            var (served, _) = await GetOverHttpsAsync(new Uri($"https://{address}:{httpsPort}/healthz/live"));
            Assert.Equal(fingerprint, SelfSignedCertificate.Fingerprint(served));
            Assert.DoesNotContain("SHA-256 fingerprint", again.Output);
        }
    }

    [NonLoopbackFact]
    public async Task AConfiguredPemCertificateIsServedAndATrustedProxyMayForwardPlainHttp()
    {
        var address = OwnAddress()!;
        var httpsPort = LoopbackPorts.FreeTcp();
        var (certificatePath, keyPath, thumbprint) = await WritePemCertificateAsync();
        var settings = Settings(httpsPort);
        settings["Portal:Https:SelfSignedCertificate"] = Path.Combine(_directory, "unused.pfx");
        settings["Kestrel:Certificates:Default:Path"] = certificatePath;
        settings["Kestrel:Certificates:Default:KeyPath"] = keyPath;
        // This machine's own address stands for the proxy: the test's requests come from it.
        settings["Portal:Proxy:KnownProxies:0"] = address.ToString();

        await using var portal = await PortalProcess.StartAsync(settings, listenOn: "0.0.0.0");

        var (served, response) = await GetOverHttpsAsync(new Uri($"https://{address}:{httpsPort}/healthz/live"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(thumbprint, served.Thumbprint);
        Assert.False(File.Exists(settings["Portal:Https:SelfSignedCertificate"]));

        using var throughProxy = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        Assert.Equal(HttpStatusCode.OK, (await throughProxy.GetAsync($"http://{address}:{portal.Address.Port}/healthz/live")).StatusCode);
    }

    private Dictionary<string, string> Settings(int httpsPort) => new()
    {
        ["ConnectionStrings:Portal"] = $"Data Source={Path.Combine(_directory, "portal.db")}",
        ["Portal:Admin:Password"] = PortalFactory.AdminPassword,
        ["Portal:Https:Port"] = httpsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Consoles:LogDirectory"] = Path.Combine(_directory, "console-logs"),
        ["Artifacts:Directory"] = Path.Combine(_directory, "artifacts"),
    };

    /// <summary>GETs over HTTPS, accepting the (self-signed) certificate, and says which certificate the server showed.</summary>
    private static async Task<(X509Certificate2 Served, HttpResponseMessage Response)> GetOverHttpsAsync(Uri address)
    {
        X509Certificate2? served = null;
        using var client = new HttpClient(new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            {
                served = certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.RawData);
                return true;
            },
        });
        var response = await client.GetAsync(address);
        return (served ?? throw new InvalidOperationException("The server showed no certificate."), response);
    }

    private async Task<(string Certificate, string Key, string Thumbprint)> WritePemCertificateAsync()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=portal.lab.test", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(30));
        var (certificatePath, keyPath) = (Path.Combine(_directory, "portal.crt"), Path.Combine(_directory, "portal.key"));
        await File.WriteAllTextAsync(certificatePath, certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath, certificate.Thumbprint);
    }
}

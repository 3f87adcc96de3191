using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.HttpsPolicy;
using Microsoft.Extensions.Options;
using Portal.Data;

namespace Portal.Web;

/// <summary>The <c>Portal:Https</c> config section: HTTPS when the portal listens beyond loopback.</summary>
public sealed class HttpsOptions
{
    public const string Section = "Portal:Https";

    /// <summary>The HTTPS port added beside a plain-HTTP address that is not loopback.</summary>
    public int Port { get; set; } = 5001;

    /// <summary>Where the self-signed certificate is kept when no <c>Kestrel:Certificates:Default</c> is configured.</summary>
    public string SelfSignedCertificate { get; set; } = "data/https.pfx";
}

/// <summary>
/// TLS by default outside loopback. A portal that listens only on loopback (the default, <c>http://localhost:5000</c>)
/// serves plain HTTP; one that listens on another address also serves HTTPS on <see cref="HttpsOptions.Port"/>, with
/// the certificate of <c>Kestrel:Certificates:Default</c> (PEM or PFX, Kestrel's own setting) or else a self-signed one
/// made on first start, whose fingerprint is printed once. Plain HTTP that did not arrive on loopback or from a trusted
/// proxy (<c>Portal:Proxy</c>) is redirected to HTTPS.
/// </summary>
public static class HttpsDefaults
{
    public static WebApplicationBuilder AddPortalHttps(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(HttpsOptions.Section).Get<HttpsOptions>() ?? new HttpsOptions();
        if (options.Port is < 1 or > 65535)
        {
            throw new OptionsValidationException(HttpsOptions.Section, typeof(HttpsOptions), [$"{HttpsOptions.Section}:Port must be a TCP port (1-65535), not {options.Port}."]);
        }

        builder.Services.AddOptions<HttpsOptions>().BindConfiguration(HttpsOptions.Section);
        builder.Services.AddHttpsRedirection(redirect =>
        {
            redirect.HttpsPort = options.Port;
            redirect.RedirectStatusCode = StatusCodes.Status308PermanentRedirect;
        });

        var urls = (builder.Configuration[WebHostDefaults.ServerUrlsKey] ?? "")
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var endpoints = builder.Configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]).OfType<string>().ToList();
        var exposed = urls.Concat(endpoints).Select(BindingAddress.Parse).Where(a => !IsLoopback(a.Host)).ToList();
        if (exposed.Count == 0)
        {
            return builder;
        }

        // Kestrel:Endpoints, when present, are the whole list (Kestrel then ignores the URLs): their owner picks the HTTPS one.
        if (endpoints.Count == 0 && !urls.Any(u => u.StartsWith("https://", StringComparison.OrdinalIgnoreCase)))
        {
            builder.WebHost.UseUrls([.. urls, $"https://{exposed[0].Host}:{options.Port}"]);
        }

        if (!builder.Configuration.GetSection("Kestrel:Certificates:Default").Exists())
        {
            var file = Path.GetFullPath(options.SelfSignedCertificate, builder.Environment.ContentRootPath);
            var certificate = SelfSignedCertificate.LoadOrCreate(file);
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(https => https.ServerCertificate = certificate));
        }

        return builder;
    }

    /// <summary>Redirects plain HTTP to HTTPS unless it came in on loopback or from a trusted proxy; before the forwarded headers are applied.</summary>
    public static WebApplication UseHttpsOutsideLoopback(this WebApplication app)
    {
        var proxies = app.Services.GetRequiredService<IOptions<ProxyOptions>>().Value;
        var knownProxies = proxies.KnownProxies.Select(IPAddress.Parse).ToList();
        var knownNetworks = proxies.KnownNetworks.Select(System.Net.IPNetwork.Parse).ToList();
        bool Trusted(IPAddress? peer) =>
            peer is not null && (knownProxies.Contains(peer) || knownNetworks.Any(n => n.Contains(peer)));

        app.UseWhen(
            context => !context.Request.IsHttps
                && context.Connection.LocalIpAddress is { } local && !IPAddress.IsLoopback(local)
                && !Trusted(context.Connection.RemoteIpAddress),
            redirect => redirect.UseHttpsRedirection());
        return app;
    }

    private static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}

/// <summary>The certificate a portal without a configured one serves HTTPS with: made once, kept in the data folder.</summary>
public static class SelfSignedCertificate
{
    /// <summary>How long a generated certificate is valid; an expired one is replaced on the next start.</summary>
    public static readonly TimeSpan Validity = TimeSpan.FromDays(825);

    public static X509Certificate2 LoadOrCreate(string file)
    {
        if (File.Exists(file))
        {
            var existing = X509CertificateLoader.LoadPkcs12FromFile(file, null);
            if (existing.NotAfter > DateTime.Now.AddDays(1))
            {
                return existing;
            }
        }

        var created = Create(Dns.GetHostName());
        PrivateFiles.CreateFolder(Path.GetDirectoryName(file)!);
        PrivateFiles.CreateFile(file);
        File.WriteAllBytes(file, created.Export(X509ContentType.Pkcs12));
        // Straight to the console, once, as the first admin's password: what a user compares with the browser's warning.
        Console.WriteLine($"""

            ============================================================
              Portal: HTTPS uses a self-signed certificate, made now:
              {file}
              SHA-256 fingerprint (compare it with what the browser shows):
              {Fingerprint(created)}
              Configure Kestrel:Certificates:Default for a certificate of your own.
            ============================================================

            """);
        return created;
    }

    /// <summary>The certificate's SHA-256 fingerprint as browsers show it: hex pairs joined by colons.</summary>
    public static string Fingerprint(X509Certificate2 certificate) =>
        string.Join(':', certificate.GetCertHash(HashAlgorithmName.SHA256).Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));

    private static X509Certificate2 Create(string hostName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={hostName}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(hostName);
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.Add(Validity));
        // Exported and loaded again, so the private key is usable by Kestrel on every platform.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging.Abstractions;
using Portal.Api;
using Portal.Tests.Support;
using static Portal.Tests.Support.TestReservations;

namespace Portal.Tests.Identity;

/// <summary>Users' SSH public keys: checked against what ssh-keygen makes and prints, and handed to the setup script.</summary>
public sealed class SshKeyTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("portal-ssh-keys-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("ed25519")]
    [InlineData("rsa")]
    [InlineData("ecdsa")]
    public async Task AKeyFromSshKeygenIsAcceptedWithTheFingerprintSshKeygenPrints(string type)
    {
        var (publicKey, fingerprint) = await KeygenAsync(type);

        var (line, parsed, error) = SshKeyService.Parse(publicKey + "\n");

        Assert.Null(error);
        Assert.Equal(publicKey, line);
        Assert.Equal(fingerprint, parsed);
    }

    [Fact]
    public async Task WhatIsNotAPublicKeyIsRefusedWithTheReason()
    {
        var (publicKey, _) = await KeygenAsync("ed25519");
        var parts = publicKey.Split(' ');

        Assert.Equal("That is a private key: never share it; paste the public key (the .pub file) instead.",
            SshKeyService.Parse(await File.ReadAllTextAsync(Path.Combine(_directory, "id_ed25519"))).Error);
        Assert.StartsWith("'ssh-dss' keys are not accepted", SshKeyService.Parse($"ssh-dss {parts[1]}").Error);
        Assert.Equal("The key's data is not valid base64.", SshKeyService.Parse("ssh-ed25519 not*base64").Error);
        Assert.Equal("The key's data is not a ssh-rsa key.", SshKeyService.Parse($"ssh-rsa {parts[1]}").Error);
        Assert.StartsWith("A public key is one line", SshKeyService.Parse("ssh-ed25519").Error);
    }

    [Fact]
    public async Task TheSetupScriptGetsTheHoldersKeysInTheFileNamedByPortalSshKeys()
    {
        using var lab = new TestReservations();
        var (publicKey, _) = await KeygenAsync("ed25519");
        var copy = Path.Combine(_directory, "installed");
        var named = Path.Combine(_directory, "named");
        var script = Path.Combine(_directory, "setup.sh");
        await File.WriteAllTextAsync(script, $"#!/bin/sh\n[ \"$1\" = reserve ] && cat \"$PORTAL_SSH_KEYS\" > {copy} && echo \"$PORTAL_SSH_KEYS\" > {named}\nexit 0\n");
        File.SetUnixFileMode(script, (UnixFileMode)0b111_000_000);
        lab.Lab.SetupScript = script;
        await lab.SeedAsync(["rpi4/rpi-1"], "alice");
        var keys = new SshKeyService(lab.Database, lab.Clock, NullLogger<SshKeyService>.Instance);
        Assert.Null((await keys.AddAsync("alice", publicKey, CancellationToken.None)).Error);

        Assert.Null((await lab.Lifecycle.ReserveBoardAsync(User("alice"), "rpi-1", null, CancellationToken.None)).Error);
        await lab.IdleAsync();

        Assert.Equal(publicKey + "\n", await File.ReadAllTextAsync(copy));
        var keysFile = (await File.ReadAllTextAsync(named)).TrimEnd('\n');
        Assert.False(File.Exists(keysFile), $"{keysFile} is still there after the script");
    }

    [Fact]
    public async Task TheApiAddsListsAndRemovesOnlyTheCallersKeys()
    {
        await using var portal = new PortalFactory();
        var alice = await portal.TokenClientAsync("alice@lab.test");
        var bob = await portal.TokenClientAsync("bob@lab.test");
        var (publicKey, fingerprint) = await KeygenAsync("ed25519");

        var added = await alice.PostAsJsonAsync("/api/v1/account/ssh-keys", new AddSshKeyRequest(publicKey));
        var again = await alice.PostAsJsonAsync("/api/v1/account/ssh-keys", new AddSshKeyRequest(publicKey));
        var key = (await added.Content.ReadFromJsonAsync<SshKeyView>())!;
        var bobRemoves = await bob.DeleteAsync($"/api/v1/account/ssh-keys/{key.Id}");

        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        Assert.Equal((fingerprint, "test@portal"), (key.Fingerprint, key.Comment));
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.Equal($"This key is already on your account ({fingerprint}).", (await again.Content.ReadFromJsonAsync<ProblemDetails>())!.Detail);
        Assert.Equal(HttpStatusCode.NotFound, bobRemoves.StatusCode);
        Assert.Empty((await bob.GetFromJsonAsync<List<SshKeyView>>("/api/v1/account/ssh-keys"))!);
        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"/api/v1/account/ssh-keys/{key.Id}")).StatusCode);
        Assert.Empty((await alice.GetFromJsonAsync<List<SshKeyView>>("/api/v1/account/ssh-keys"))!);
    }

    /// <summary>A fresh key pair from ssh-keygen: the public line and the fingerprint ssh-keygen -lf prints.</summary>
    private async Task<(string PublicKey, string Fingerprint)> KeygenAsync(string type)
    {
        var file = Path.Combine(_directory, $"id_{type}");
        File.Delete(file);
        File.Delete(file + ".pub");
        await RunAsync("ssh-keygen", "-q", "-t", type, "-N", "", "-C", "test@portal", "-f", file);
        var fingerprint = (await RunAsync("ssh-keygen", "-l", "-f", file + ".pub")).Split(' ')[1];
        return ((await File.ReadAllTextAsync(file + ".pub")).Trim(), fingerprint);
    }

    private static async Task<string> RunAsync(string file, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, await process.StandardError.ReadToEndAsync());
        return output;
    }
}

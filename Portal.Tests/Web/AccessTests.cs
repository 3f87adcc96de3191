using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Portal.Identity;
using Portal.Tests.Support;

namespace Portal.Tests.Web;

public sealed class AccessTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Theory]
    [InlineData("/")]
    [InlineData("/boards")]
    [InlineData("/boards/pine-01")]
    [InlineData("/admin/users")]
    [InlineData("/admin/reservations")]
    [InlineData("/reservations")]
    [InlineData("/tokens")]
    public async Task AnonymousVisitorIsSentToLogin(string path)
    {
        var client = portal.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/Account/Login", response.Headers.Location?.PathAndQuery);
    }

    [Fact]
    public async Task AdminSeesTheUserListAndAllReservations()
    {
        var admin = await portal.LoggedInClientAsync(PortalFactory.AdminEmail, PortalFactory.AdminPassword);

        var users = await admin.GetStringAsync("/admin/users");
        var reservations = await admin.GetStringAsync("/admin/reservations");

        Assert.Contains("admin@localhost", users);
        Assert.Contains("New user", users);
        Assert.Contains("Audit log", reservations);
    }

    [Fact]
    public async Task OrdinaryUserSeesBoardsButIsRefusedTheUserList()
    {
        await CreateUserAsync("viewer@lab.test", "Viewer-Pass-1");
        var user = await portal.LoggedInClientAsync("viewer@lab.test", "Viewer-Pass-1");

        var users = await user.GetAsync("/admin/users");
        var reservations = await user.GetAsync("/admin/reservations");
        var boards = await user.GetStringAsync("/boards");

        Assert.Equal(HttpStatusCode.Redirect, users.StatusCode);
        Assert.StartsWith("/Account/AccessDenied", users.Headers.Location?.PathAndQuery);
        Assert.Contains("Access denied", await user.GetStringAsync(users.Headers.Location));
        Assert.StartsWith("/Account/AccessDenied", reservations.Headers.Location?.PathAndQuery);
        Assert.Contains("pine-01", boards);
    }

    [Fact]
    public async Task FiveWrongPasswordsMakeThisClientWaitEvenWithTheRightOne()
    {
        await CreateUserAsync("clumsy@lab.test", "Clumsy-Pass-1");
        var client = portal.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        for (var attempt = 1; attempt <= 4; attempt++)
        {
            var wrong = await client.PostAsync("/Account/Login", await HttpLogin.LoginFormAsync(client, "clumsy@lab.test", "wrong"));
            Assert.Contains("Wrong email or password.", await wrong.Content.ReadAsStringAsync());
        }

        var fifth = await client.PostAsync("/Account/Login", await HttpLogin.LoginFormAsync(client, "clumsy@lab.test", "wrong"));
        var right = await client.PostAsync("/Account/Login", await HttpLogin.LoginFormAsync(client, "clumsy@lab.test", "Clumsy-Pass-1"));

        Assert.Contains("Wrong email or password.", await fifth.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Contains("Too many wrong passwords for this account from your address; try again in 1 minute(s).", await right.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task WrongPasswordSaysSo()
    {
        var client = portal.CreateClient();

        var response = await client.PostAsync("/Account/Login", await HttpLogin.LoginFormAsync(client, PortalFactory.AdminEmail, "not-it"));

        Assert.Contains("Wrong email or password.", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task LoginWithoutAntiforgeryTokenIsRejected()
    {
        var client = portal.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["Input.Email"] = PortalFactory.AdminEmail,
            ["Input.Password"] = PortalFactory.AdminPassword,
        });

        var response = await client.PostAsync("/Account/Login", form);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task LogOutWithoutAntiforgeryTokenIsRejected()
    {
        var admin = await portal.LoggedInClientAsync(PortalFactory.AdminEmail, PortalFactory.AdminPassword);

        var forged = await admin.PostAsync("/Account/Logout", new FormUrlEncodedContent([]));

        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/boards")).StatusCode); // still signed in
    }

    [Fact]
    public async Task RegistrationIsOffByDefault()
    {
        var page = await portal.CreateClient().GetStringAsync("/Account/Register");

        Assert.Contains("Registration is turned off", page);
    }

    [Fact]
    public async Task HealthEndpointReportsTheDatabaseReachable()
    {
        var response = await portal.CreateClient().GetStringAsync("/healthz");

        Assert.Equal("Healthy", response);
    }

    private Task CreateUserAsync(string email, string password) => portal.CreateUserAsync(email, password);
}

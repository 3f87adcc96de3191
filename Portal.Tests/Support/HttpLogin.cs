using System.Net;
using AngleSharp.Html.Parser;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Portal.Tests.Support;

public static class HttpLogin
{
    /// <summary>An HTTP client that logged in through the real login form, antiforgery token and all.</summary>
    public static async Task<HttpClient> LoggedInClientAsync(this PortalFactory portal, string email, string password)
    {
        var client = portal.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var response = await client.PostAsync("/Account/Login", await LoginFormAsync(client, email, password));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return client;
    }

    public static async Task<FormUrlEncodedContent> LoginFormAsync(HttpClient client, string email, string password)
    {
        var page = await new HtmlParser().ParseDocumentAsync(await client.GetStringAsync("/Account/Login"));
        var token = page.QuerySelector("input[name=__RequestVerificationToken]")?.GetAttribute("value")
            ?? throw new InvalidOperationException("The login page has no antiforgery token.");
        return new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = token,
            ["Input.Email"] = email,
            ["Input.Password"] = password,
        });
    }
}

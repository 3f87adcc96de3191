using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Reservations;
using Portal.Tests.Support;

namespace Portal.Tests.Browser;

/// <summary>Every button and link on the main pages is reached with Tab alone, and shows a focus ring when it is.</summary>
[Collection(BrowserCollection.Name)]
public sealed class KeyboardTests(BrowserFixture browser) : BrowserTest(browser)
{
    private static readonly string[] Pages = ["boards", "boards/pine-01", "reservations", "tokens", "admin/users", "admin/rules", "admin/reservations"];

    [ChromiumFact]
    public async Task EveryActionIsReachedWithTabAndShowsAFocusRing()
    {
        var admin = await Portal.AdminAsync();
        Assert.Null((await Portal.Services.GetRequiredService<ReservationLifecycle>().ReserveBoardAsync(admin, "pine-01", null, CancellationToken.None)).Error);
        var page = await NewPageAsync();
        await LogInAsync(page, PortalFactory.AdminEmail, PortalFactory.AdminPassword);
        var problems = new List<string>();

        foreach (var path in Pages)
        {
            await page.GotoAsync(path);
            await WaitUntilLiveAsync(page);
            await Assertions.Expect(page.Locator(".mud-progress-indeterminate")).ToHaveCountAsync(0);

            // Number what a person can act on: visible, enabled buttons and links (a terminal keeps Tab for its shell;
            // a field's adornment button, e.g. a date picker's calendar icon, is the mouse's way to what is typed into the field).
            var actions = await page.EvaluateAsync<int>("""
                () => {
                  const actions = [...document.querySelectorAll('a[href], button')]
                    .filter(e => !e.disabled && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden' && !e.closest('[data-terminal]'))
                    .filter(e => !e.closest('.mud-input-adornment'));
                  actions.forEach((e, i) => e.dataset.action = i);
                  document.activeElement?.blur();
                  return actions.length;
                }
                """);
            var reached = new HashSet<int>();
            for (var press = 0; press < actions * 3 + 20 && reached.Count < actions; press++)
            {
                await page.Keyboard.PressAsync("Tab");
                var focused = await page.EvaluateAsync<JsonElement>("""
                    () => {
                      const e = document.activeElement;
                      if (!e || e === document.body || e.dataset.action === undefined) return null;
                      const style = getComputedStyle(e);
                      const ring = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 1;
                      return { action: Number(e.dataset.action), ring, what: (e.getAttribute('aria-label') || e.textContent || e.outerHTML).trim().slice(0, 60) };
                    }
                    """);
                if (focused.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                reached.Add(focused.GetProperty("action").GetInt32());
                if (!focused.GetProperty("ring").GetBoolean())
                {
                    problems.Add($"{path}: '{focused.GetProperty("what").GetString()}' shows no focus ring");
                }
            }

            var missed = await page.EvaluateAsync<string[]>(
                "reached => [...document.querySelectorAll('[data-action]')].filter(e => !reached.includes(Number(e.dataset.action))).map(e => (e.getAttribute('aria-label') || e.textContent || e.outerHTML).trim().slice(0, 60))",
                reached.ToArray());
            problems.AddRange(missed.Select(what => $"{path}: '{what}' is not reached with Tab"));
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems.Distinct()));
    }
}

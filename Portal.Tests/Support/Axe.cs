using System.Text.Json;
using Microsoft.Playwright;

namespace Portal.Tests.Support;

/// <summary>One axe-core rule a page breaks, with the elements that break it.</summary>
public sealed record AxeViolation(string Rule, string Impact, string Help, IReadOnlyList<string> Elements)
{
    public override string ToString() => $"{Rule} ({Impact}): {Help}\n      {string.Join("\n      ", Elements)}";
}

/// <summary>
/// axe-core (npm, Portal.Tests/axe/package-lock.json; the test build runs npm ci and copies axe.min.js next to the tests)
/// injected into a page by Playwright, as a person's accessibility checker would be.
/// </summary>
public static class Axe
{
    private static readonly Lazy<string> Source = new(() => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "axe", "axe.min.js")));

    /// <summary>The violations of impact serious or critical on the page as it is now.</summary>
    public static async Task<IReadOnlyList<AxeViolation>> SeriousViolationsAsync(IPage page)
    {
        if (!await page.EvaluateAsync<bool>("() => typeof window.axe !== 'undefined'"))
        {
            // Evaluated through the browser's debugging protocol, which the page's Content-Security-Policy does not
            // govern; an inline script tag would be refused by it, as it should be.
            await page.EvaluateAsync(Source.Value);
        }

        var result = await page.EvaluateAsync<JsonElement>("""
            async () => {
              // Colours are measured settled: a theme or label transition still running reads as a contrast between its two ends.
              await Promise.all(document.getAnimations()
                .filter(a => a.effect && a.effect.getComputedTiming().endTime !== Infinity)
                .map(a => a.finished.catch(() => {})));
              const results = await axe.run(document, { resultTypes: ['violations'] });
              return results.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => ({ rule: v.id, impact: v.impact, help: v.help,
                             elements: v.nodes.map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').replace(/\s+/g, ' ')) }));
            }
            """);
        return result.EnumerateArray()
            .Select(v => new AxeViolation(
                v.GetProperty("rule").GetString()!,
                v.GetProperty("impact").GetString()!,
                v.GetProperty("help").GetString()!,
                v.GetProperty("elements").EnumerateArray().Select(e => e.GetString()!).ToList()))
            .ToList();
    }
}

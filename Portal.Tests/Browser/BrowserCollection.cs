using Portal.Tests.Support;

namespace Portal.Tests.Browser;

/// <summary>One Chromium for every browser test; they run one after the other, as two cores prefer.</summary>
[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}

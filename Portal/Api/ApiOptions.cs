using System.ComponentModel.DataAnnotations;

namespace Portal.Api;

/// <summary>The <c>Portal:Api</c> config section.</summary>
public sealed class ApiOptions
{
    public const string Section = "Portal:Api";

    /// <summary>The largest request body <c>/api</c> reads; a reservation request is a few hundred bytes.</summary>
    [Range(1024, 100 * 1024 * 1024, ErrorMessage = "Portal:Api:MaxRequestBodyBytes must be between 1024 and 104857600.")]
    public long MaxRequestBodyBytes { get; set; } = 64 * 1024;
}

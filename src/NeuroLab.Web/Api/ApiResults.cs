using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using NeuroLab.Data.Storage;

namespace NeuroLab.Web.Api;

/// <summary>Result helpers shared by the API endpoints.</summary>
internal static class ApiResults
{
    /// <summary>
    /// Streams a stored blob. Blobs are content-addressed, so the ETag is the SHA-256 and the browser may keep the
    /// bytes (privately: they are only for members) without asking again; a conditional request answers 304.
    /// This is how the brain viewer's volumes stay cached between pages.
    /// </summary>
    public static FileStreamHttpResult Immutable(HttpContext http, ContentStore store, string sha256, string contentType, string fileName)
    {
        http.Response.Headers.CacheControl = "private, max-age=31536000, immutable";
        return TypedResults.Stream(store.OpenRead(sha256), contentType, fileName, entityTag: new EntityTagHeaderValue("\"" + sha256 + "\""));
    }
}

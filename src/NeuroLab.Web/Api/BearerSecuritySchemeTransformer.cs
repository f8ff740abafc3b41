using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace NeuroLab.Web.Api;

/// <summary>Documents in OpenAPI that the API takes a bearer token (Identity access token or personal access token).</summary>
internal sealed class BearerSecuritySchemeTransformer : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "NeuroLab API";
        document.Info.Description = "REST API v1. Authenticate with `Authorization: Bearer <token>`, where the token is an access token " +
            "from POST /api/v1/account/login or a personal access token (nlpat_...) created in the UI or via /api/v1/account/tokens.";
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes["Bearer"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "Identity access token or NeuroLab personal access token.",
        };
        document.Security ??= [];
        document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("Bearer", document)] = [] });
        return Task.CompletedTask;
    }
}

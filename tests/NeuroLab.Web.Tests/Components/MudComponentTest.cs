using Bunit;
using MudBlazor.Services;

namespace NeuroLab.Web.Tests.Components;

/// <summary>
/// bUnit context with MudBlazor services. MudBlazor's services are async-disposable only, so the
/// context is disposed through xUnit's IAsyncLifetime rather than IDisposable.
/// </summary>
public abstract class MudComponentTest : BunitContext, IAsyncLifetime
{
    protected MudComponentTest()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();
}

namespace NeuroLab.Compute.Features.ResNet18;

/// <summary>
/// A stage of the ImageNet ResNet-18 whose output is a feature space <c>resnet18:&lt;name&gt;</c>, with the tensor that
/// ends it in the package's graph (CNTK-exported; names read from the graph's nodes) and that tensor's shape for one image.
/// </summary>
/// <param name="Name">The stage's name in the space's name: stem, layer1..layer4, pool.</param>
/// <param name="Tensor">The graph tensor ending the stage.</param>
/// <param name="Channels">Channels of the tensor.</param>
/// <param name="Side">Rows (= columns) of the tensor.</param>
/// <param name="Description">What the stage is, for people choosing it.</param>
public sealed record ResNet18Stage(string Name, string Tensor, int Channels, int Side, string Description)
{
    /// <summary>
    /// The stages in network order. The graph's layer4 has three residual blocks (ReLU365, 379, 393), the other stages two:
    /// this is the package's CNTK ResNet-18, not torchvision's; each stage ends at its last block's ReLU.
    /// </summary>
    public static IReadOnlyList<ResNet18Stage> All { get; } =
    [
        new("stem", "Pooling255_Output_0", 64, 56, "7x7 convolution, batch norm, ReLU and 3x3 max pooling (stride 4 in all)"),
        new("layer1", "ReLU283_Output_0", 64, 56, "first residual stage (64 channels, stride 4)"),
        new("layer2", "ReLU315_Output_0", 128, 28, "second residual stage (128 channels, stride 8)"),
        new("layer3", "ReLU347_Output_0", 256, 14, "third residual stage (256 channels, stride 16)"),
        new("layer4", "ReLU393_Output_0", 512, 7, "fourth residual stage (512 channels, stride 32)"),
        new("pool", "Pooling395_Output_0", 512, 1, "global average pool of layer4 (the graph's own output; ML.NET's DnnImageFeaturizer features)"),
    ];
}

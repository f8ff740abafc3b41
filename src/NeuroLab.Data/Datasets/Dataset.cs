namespace NeuroLab.Data.Datasets;

/// <summary>The coordinate space a dataset's units live in.</summary>
public enum DatasetSpace
{
    /// <summary>No spatial space: units are neurons, channels or regions.</summary>
    None,

    /// <summary>The subject's own scanner/anatomical space.</summary>
    Subject,

    /// <summary>MNI152 template space.</summary>
    Mni152,

    /// <summary>The fsaverage5 cortical surface (10,242 vertices per hemisphere).</summary>
    Fsaverage5,
}

/// <summary>What kind of unit a response column is.</summary>
public enum UnitKind
{
    Voxel,
    Neuron,
    Region,
    Vertex,
}

/// <summary>
/// A study imported into a workspace: its files, stimuli and response sets. Rows are created only when
/// an import has fully succeeded, so a dataset is always complete.
/// </summary>
public sealed class Dataset
{
    public const int MaxNameLength = 200;

    public Guid Id { get; set; } = Guid.NewGuid();

    public Guid WorkspaceId { get; set; }

    public required string Name { get; set; }

    public string? Description { get; set; }

    public DatasetSpace Space { get; set; }

    /// <summary>Catalogue key when imported from the sample catalogue.</summary>
    public string? SampleKey { get; set; }

    public string? Citation { get; set; }

    public string? Licence { get; set; }

    public required string CreatedByUserId { get; set; }

    public DateTime CreatedAtUtc { get; set; } = DateTime.UtcNow;

    public List<DatasetFile> Files { get; set; } = [];

    public List<Stimulus> Stimuli { get; set; } = [];

    public List<ResponseSet> ResponseSets { get; set; } = [];
}

/// <summary>The part a file plays in a dataset.</summary>
public enum FileRole
{
    /// <summary>One stimulus image (PNG/JPEG), or an array of images [n, h, w(, c)].</summary>
    StimulusImages,

    /// <summary>Stimulus ids with labels and/or captions (TSV/CSV).</summary>
    StimulusTable,

    /// <summary>Responses [stimuli, units] (e.g. trial-averaged voxel betas or neuron means).</summary>
    Responses,

    /// <summary>Single-trial responses [trials, units] for noise ceilings.</summary>
    Trials,

    /// <summary>Binary mask or ROI volume.</summary>
    Mask,

    /// <summary>Label volume with integer region codes.</summary>
    Atlas,

    /// <summary>Region names for an atlas (text).</summary>
    AtlasLabels,

    /// <summary>A 4-D functional run.</summary>
    Run,

    /// <summary>BIDS events for a run.</summary>
    Events,

    /// <summary>Anatomical or template image used as a background.</summary>
    Anatomy,

    /// <summary>Feature matrix [stimuli, features] aligned to stimuli.</summary>
    Features,

    /// <summary>Surface mesh (GIFTI pointset + triangles).</summary>
    Surface,

    /// <summary>Per-vertex surface data (GIFTI).</summary>
    SurfaceData,

    /// <summary>Anything else kept with the dataset (RDMs, model outputs, documentation).</summary>
    Other,

    /// <summary>A TorchScript image model (torch.jit.save archive) whose layers become a feature space.</summary>
    Model,

    /// <summary>
    /// Measured representational dissimilarity matrices (one region; several subjects/sessions) in stimulus order:
    /// .mat struct arrays with an RDM field, or .npy/.npz [n, n], [subjects, n, n] or condensed vectors.
    /// </summary>
    BrainRdm,

    /// <summary>Model or hypothesis RDMs (categories, earlier models) in stimulus order, same formats as <see cref="BrainRdm"/>.</summary>
    ModelRdm,

    /// <summary>
    /// One subject's region time series: a numeric table [time points, regions] with a header of region ids (e.g. the
    /// ABIDE Preprocessed <c>.1D</c> files), the input of functional-connectivity networks.
    /// </summary>
    RegionTimeSeries,
}

/// <summary>One file of a dataset, with what its reader found in it.</summary>
public sealed class DatasetFile
{
    public Guid Id { get; set; } = Guid.NewGuid();

    public Guid DatasetId { get; set; }

    public Dataset? Dataset { get; set; }

    /// <summary>Original name, possibly with a relative folder ("sub001/BOLD/run001/bold.nii.gz").</summary>
    public required string FileName { get; set; }

    public FileRole Role { get; set; }

    /// <summary>Detected format: nifti, gifti, npy, npz, mat, events-tsv, matrix, image, text.</summary>
    public required string Format { get; set; }

    /// <summary>SHA-256 of the original bytes: the file's address in the content store.</summary>
    public required string Sha256 { get; set; }

    public long SizeBytes { get; set; }

    /// <summary>JSON array of the main array's shape, e.g. "[40,64,64,121]".</summary>
    public string? ShapeJson { get; set; }

    public string? Dtype { get; set; }

    /// <summary>JSON 4x4 voxel-to-world affine for volumes.</summary>
    public string? AffineJson { get; set; }

    /// <summary>JSON voxel size in mm.</summary>
    public string? VoxelSizeJson { get; set; }

    /// <summary>JSON with format-specific facts (variables of a .mat, events per trial type, TR, orientation...).</summary>
    public string? SummaryJson { get; set; }

    /// <summary>Groups a run with its events file.</summary>
    public int? RunIndex { get; set; }

    public required string ImportedByUserId { get; set; }

    public DateTime ImportedAtUtc { get; set; } = DateTime.UtcNow;
}

/// <summary>One stimulus (image, word, sound...) in presentation-independent order.</summary>
public sealed class Stimulus
{
    public long Id { get; set; }

    public Guid DatasetId { get; set; }

    /// <summary>Row of this stimulus in the dataset's response matrices.</summary>
    public int Index { get; set; }

    /// <summary>Stable id from the source ("0.jpg", "scene_017").</summary>
    public required string Name { get; set; }

    public string? Label { get; set; }

    public string? Caption { get; set; }

    /// <summary>SHA-256 of a PNG preview of the stimulus, when it is an image.</summary>
    public string? ImageSha256 { get; set; }

    /// <summary>"train", "test" or null when the dataset defines no split.</summary>
    public string? Split { get; set; }
}

/// <summary>
/// A response matrix [stimuli, units] ready for modelling, stored as float32 .npy in the content store,
/// with optional unit coordinates (voxel i,j,k in the reference volume) and single trials.
/// </summary>
public sealed class ResponseSet
{
    public Guid Id { get; set; } = Guid.NewGuid();

    public Guid DatasetId { get; set; }

    public required string Name { get; set; }

    public UnitKind UnitKind { get; set; }

    public int StimulusCount { get; set; }

    public int UnitCount { get; set; }

    /// <summary>SHA-256 of the float32 .npy [stimuli, units].</summary>
    public required string ArraySha256 { get; set; }

    /// <summary>SHA-256 of an int32 .npy [units, 3] of voxel indices, for voxel units.</summary>
    public string? UnitCoordinatesSha256 { get; set; }

    /// <summary>The volume whose grid the coordinates refer to (mask or run file).</summary>
    public Guid? ReferenceFileId { get; set; }

    /// <summary>SHA-256 of a float32 .npy [trials, units] of single trials, when available.</summary>
    public string? TrialsSha256 { get; set; }

    /// <summary>JSON int array mapping each trial row to a stimulus index.</summary>
    public string? TrialStimulusJson { get; set; }

    /// <summary>How it was made: "uploaded", "glm", "sample".</summary>
    public required string Provenance { get; set; }

    /// <summary>Units excluded because they were constant or non-finite (JSON array of original column indices).</summary>
    public string? ExcludedUnitsJson { get; set; }
}

/// <summary>A named region of an atlas file.</summary>
public sealed class AtlasRegion
{
    public long Id { get; set; }

    public Guid FileId { get; set; }

    /// <summary>The integer code of the region in the atlas volume.</summary>
    public int Value { get; set; }

    public required string Name { get; set; }
}

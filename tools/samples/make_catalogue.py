#!/usr/bin/python3
"""Builds src/NeuroLab.Compute/Samples/catalogue.json: the sample studies NeuroLab offers under
"Add sample", each file with its original public URL, size and SHA-256.

Run from the repository root with the shared data beside it:
    /usr/bin/python3 tools/samples/make_catalogue.py
Checksums are computed from ../shared/data, which keeps the original files byte for byte.
"""
import hashlib
import json
import os

repo = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
data = os.path.abspath(os.path.join(repo, "..", "shared", "data"))


def gh(repo_name, commit, path):
    return f"https://raw.githubusercontent.com/{repo_name}/{commit}/{path}"


ALLEN = ("psailamul/Allen_Brain_Observatory", "65e5655bb629aac834ee7a0dde3c99e4994902a5", "Allen_data_170513/")
DGMM = ("ChangdeDu/DGMM", "286503c79b010fd285065da7092ca43f873c1f58", "")
PYMVPA = ("PyMVPA/PyMVPA", "d91300fa4b22a4e0a7a174b15507474b699b5d9e", "mvpa2/data/haxby2001/")
KAY = ("Medoalmasry/kayProject", "c34c0f48f54d0a310145a49217c0ebb566ed1021", "images/stimuli/")
ABIDE = ("yi-yi1/ABIDES", "66df4eb0d85f7511127a4777bc7c917ad8a543a7", "rois_cc200/")
RSA_92 = ("rsagroup/rsatoolbox", "9ac4b5cdcb702c02481cabba33c551d187d50b6c", "demos/92imageData/")
RSA_INFER = ("rsagroup/rsatoolbox", "c2f91464030c2966e11c7e72e291c5cdff516cdb", "demos/rdms_inferring/")
NILEARN = ("nilearn/nilearn", "a0115edefd75f5c9c31802ea0336c2e015cc784e", "nilearn/datasets/data/")
MRICRON_DEB = "https://packages.debian.org/bookworm/mricron-data"


def entry(local, role, url, direct=True, run=None, note=None):
    path = os.path.join(data, local)
    with open(path, "rb") as fh:
        digest = hashlib.sha256(fh.read()).hexdigest()
    item = {"path": local, "role": role, "url": url, "directDownload": direct, "sizeBytes": os.path.getsize(path), "sha256": digest}
    if run is not None:
        item["runIndex"] = run
    if note:
        item["note"] = note
    return item


samples = []

haxby_files = []
for run in range(1, 13):
    d = f"sub001/BOLD/task001_run{run:03d}/"
    haxby_files.append(entry("haxby2001/" + d + "bold_25mm.nii.gz", "Run", gh(PYMVPA[0], PYMVPA[1], PYMVPA[2] + d + "bold_25mm.nii.gz"), run=run))
    haxby_files.append(entry("haxby2001/" + d + "bold_events.tsv", "Events", gh(PYMVPA[0], PYMVPA[1], PYMVPA[2] + d + "bold_events.tsv"), run=run))
for m in ["vt", "gray", "brain", "hoc", "white"]:
    haxby_files.append(entry(f"haxby2001/sub001/masks/25mm/{m}.nii.gz", "Mask", gh(PYMVPA[0], PYMVPA[1], PYMVPA[2] + f"sub001/masks/25mm/{m}.nii.gz")))
haxby_files.append(entry("haxby2001/sub001/anatomy/lowres001.nii.gz", "Anatomy", gh(PYMVPA[0], PYMVPA[1], PYMVPA[2] + "sub001/anatomy/lowres001.nii.gz")))
samples.append({
    "key": "haxby2001-sub1",
    "title": "Haxby et al. 2001, subject 1 (faces, houses and objects)",
    "description": "Block-design fMRI of ventral temporal cortex while viewing 8 categories (face, house, cat, shoe, chair, bottle, scissors, scrambled): 12 runs of 121 volumes at 2.5 mm (resampled 25 mm grid in this copy), TR 2.5 s, with BIDS-style events and masks (VT, gray, brain, HOC, white). On import a GLM turns the runs into per-category betas per voxel.",
    "citation": "Haxby JV, Gobbini MI, Furey ML, Ishai A, Schouten JL, Pietrini P (2001). Distributed and overlapping representations of faces and objects in ventral temporal cortex. Science 293:2425-2430.",
    "licence": "MIT (PyMVPA example data)",
    "space": "Subject",
    "recipe": "haxby-glm",
    "files": haxby_files,
})

allen = ["all_input_scenes_118_961.npy", "Allen_train_input.npy", "Allen_train_output.npy", "Allen_test_input.npy", "Allen_test_output.npy", "Allen_test_output_big.npy", "readme.txt"]
roles = {"all_input_scenes_118_961.npy": "StimulusImages", "Allen_train_output.npy": "Responses", "Allen_test_output.npy": "Responses"}  # single trials: order undocumented, kept as Other
samples.append({
    "key": "allen-v1",
    "title": "Allen Brain Observatory: mouse V1 responses to natural scenes",
    "description": "Two-photon calcium responses of 212 neurons in mouse primary visual cortex (VISp, Cux2, 275 um) to 118 natural scenes (31x31 greyscale). 100 training and 18 test scenes, responses averaged over 50 repeats; 900 single test trials.",
    "citation": "de Vries SEJ et al. (2020). A large-scale standardized physiological survey reveals functional organization of the mouse visual cortex. Nature Neuroscience 23:138-151. Allen Brain Observatory, experiment container 511510667.",
    "licence": "Allen Institute terms of use (research use with citation)",
    "space": "None",
    "recipe": "allen-v1",
    "files": [entry("allen-v1/" + f, roles.get(f, "Other"), gh(ALLEN[0], ALLEN[1], ALLEN[2] + f)) for f in allen],
})

samples.append({
    "key": "vangerven-digits",
    "title": "van Gerven et al. 2010: handwritten digits 6 and 9 in V1-V3",
    "description": "fMRI of 3,092 voxels in V1-V3 while viewing 28x28 handwritten 6s and 9s: 90 training and 10 test trials, with labels. The standard small benchmark for reconstructing images from brain activity.",
    "citation": "van Gerven MAJ, de Lange FP, Heskes T (2010). Neural decoding with hierarchical generative models. Neural Computation 22:3127-3142. Data as distributed with Du C, Du C, He H (2017), arXiv:1704.07575 (DGMM).",
    "licence": "Research data published with the DGMM paper (no licence file)",
    "space": "Subject",
    "recipe": "vangerven-digits",
    "files": [entry("vangerven-digits/digit69_28x28.mat", "Responses", gh(DGMM[0], DGMM[1], "digit69_28x28.mat"))],
})

k92_files = [entry(f"k92/images/{i:02d}.png", "StimulusImages", gh(RSA_92[0], RSA_92[1], RSA_92[2] + "Kriegeskorte_Neuron2008_supplementalData.mat"), direct=False,
                   note="PNG exported from the stimuli in Kriegeskorte_Neuron2008_supplementalData.mat") for i in range(92)]
k92_files.append(entry("k92/Kriegeskorte_Neuron2008_supplementalData.mat", "StimulusTable", gh(RSA_92[0], RSA_92[1], RSA_92[2] + "Kriegeskorte_Neuron2008_supplementalData.mat")))
k92_files.append(entry("k92/92_brainRDMs.mat", "Other", gh(RSA_92[0], "a019e37ee631456aa99425efb33cb4e26e9ea181", RSA_92[2] + "92_brainRDMs.mat")))
k92_files.append(entry("k92/92_modelRDMs.mat", "Other", gh(RSA_92[0], "ccd23d83e494c2e213a618a5fbc6143d051478c6", RSA_92[2] + "92_modelRDMs.mat")))
k92_files.append(entry("k92/modelRDMs_A2020.mat", "Other", gh(RSA_INFER[0], RSA_INFER[1], RSA_INFER[2] + "modelRDMs_A2020.mat")))
samples.append({
    "key": "kriegeskorte-92",
    "title": "Kriegeskorte et al. 2008: 92 object images, human and monkey IT RDMs",
    "description": "92 images of faces, bodies, animals, natural and man-made objects with category vectors; representational dissimilarity matrices of human IT (fMRI, 4 subjects x 2 sessions) and monkey IT, plus model and AlexNet layer RDMs.",
    "citation": "Kriegeskorte N, Mur M, Ruff DA, Kiani R, Bodurka J, Esteky H, Tanaka K, Bandettini PA (2008). Matching categorical object representations in inferior temporal cortex of man and monkey. Neuron 60:1126-1141.",
    "licence": "MIT (rsatoolbox demo data)",
    "space": "None",
    "recipe": "kriegeskorte-92",
    "files": k92_files,
})

kay_dir = os.path.join(data, "kay2008-stimuli", "stimuli")
kay_names = sorted(os.listdir(kay_dir), key=lambda n: int(n.split(".")[0]))
samples.append({
    "key": "kay2008-pool",
    "title": "Kay et al. 2008: 1,750 natural images (candidate pool)",
    "description": "The natural-image training stimuli of Kay et al. 2008 (128x128 greyscale, no responses), used as a large candidate pool to rank images by an encoding model's predicted response.",
    "citation": "Kay KN, Naselaris T, Prenger RJ, Gallant JL (2008). Identifying natural images from human brain activity. Nature 452:352-355.",
    "licence": "CC0 (repository licence)",
    "space": "None",
    "recipe": "image-pool",
    "files": [entry("kay2008-stimuli/stimuli/" + n, "StimulusImages", gh(KAY[0], KAY[1], KAY[2] + n)) for n in kay_names],
})

samples.append({
    "key": "abide-cc200",
    "title": "ABIDE Preprocessed: CC200 ROI time series of two subjects",
    "description": "Resting-state fMRI time series averaged in the 200 regions of the Craddock (CC200) parcellation for two ABIDE subjects (Pitt_0050003, NYU_0050952), for functional connectivity.",
    "citation": "Craddock C et al. (2013). The Neuro Bureau Preprocessing Initiative: open sharing of preprocessed neuroimaging data and derivatives. Frontiers in Neuroinformatics. Di Martino A et al. (2014). The autism brain imaging data exchange. Molecular Psychiatry 19:659-667.",
    "licence": "CC BY-NC-SA (ABIDE)",
    "space": "None",
    "recipe": "roi-timeseries",
    "files": [entry("abide-cc200/" + f, "Other", gh(ABIDE[0], ABIDE[1], ABIDE[2] + f)) for f in ["Pitt_0050003_rois_cc200.1D", "NYU_0050952_rois_cc200.1D"]],
})

samples.append({
    "key": "mni152",
    "title": "MNI ICBM152 2009a symmetric T1 template (1 mm)",
    "description": "The standard MNI152 nonlinear symmetric 2009a T1 template at 1 mm, a background for MNI-space maps.",
    "citation": "Fonov V, Evans AC, Botteron K, Almli CR, McKinstry RC, Collins DL (2011). Unbiased average age-appropriate atlases for pediatric studies. NeuroImage 54:313-327.",
    "licence": "MNI template terms (free use with attribution), distributed with nilearn (BSD-3)",
    "space": "Mni152",
    "recipe": "template",
    "files": [entry("templates/mni_icbm152_t1_tal_nlin_sym_09a_converted.nii.gz", "Anatomy", gh(NILEARN[0], NILEARN[1], NILEARN[2] + "mni_icbm152_t1_tal_nlin_sym_09a_converted.nii.gz"))],
})
samples.append({
    "key": "colin27",
    "title": "Colin27 single-subject template (brain extracted)",
    "description": "The Colin Holmes 27-average T1 brain (ch2bet) in MNI space, 1 mm.",
    "citation": "Holmes CJ, Hoge R, Collins L, Woods R, Toga AW, Evans AC (1998). Enhancement of MR images using registration for signal averaging. J Comput Assist Tomogr 22:324-333.",
    "licence": "BSD-3 (Debian package mricron-data)",
    "space": "Mni152",
    "recipe": "template",
    "files": [entry("templates/ch2bet.nii.gz", "Anatomy", MRICRON_DEB, direct=False, note="Ships in the Debian package mricron-data (/usr/share/mricron/templates).")],
})
samples.append({
    "key": "aal",
    "title": "AAL atlas (116 regions) with labels",
    "description": "Automated Anatomical Labeling atlas on the Colin27 grid with region names, for voxel-to-region lookups.",
    "citation": "Tzourio-Mazoyer N et al. (2002). Automated anatomical labeling of activations in SPM using a macroscopic anatomical parcellation of the MNI MRI single-subject brain. NeuroImage 15:273-289.",
    "licence": "AAL terms of use (free for research, cite the paper); distributed in Debian mricron-data",
    "space": "Mni152",
    "recipe": "atlas",
    "files": [
        entry("templates/aal.nii.gz", "Atlas", MRICRON_DEB, direct=False, note="Ships in the Debian package mricron-data (/usr/share/mricron/templates)."),
        entry("templates/aal.nii.txt", "AtlasLabels", MRICRON_DEB, direct=False, note="Ships in the Debian package mricron-data (/usr/share/mricron/templates)."),
    ],
})
samples.append({
    "key": "example-maps",
    "title": "Example statistical maps: SPM motor t-map and a NeuroVault contrast",
    "description": "An SPM t-map of a motor task (2 mm, int16 with scaling) and a NeuroVault motor contrast (3 mm, float32), for trying the viewer and region lookups.",
    "citation": "spmMotor: MRIcron example data (Rorden C). image_10426: NeuroVault collection 1952 via nilearn.",
    "licence": "BSD-3 (mricron-data); nilearn BSD-3",
    "space": "Mni152",
    "recipe": "maps",
    "files": [
        entry("templates/spmMotor.nii.gz", "Other", MRICRON_DEB, direct=False, note="Ships in the Debian package mricron-data."),
        entry("templates/image_10426.nii.gz", "Other", gh(NILEARN[0], "34469f1072fa78bc8649b1d901d006d67ea70f14", NILEARN[2] + "image_10426.nii.gz")),
    ],
})
fs = ["pial_left", "pial_right", "white_left", "white_right", "infl_left", "infl_right", "sphere_left", "sphere_right", "flat_left", "flat_right"]
fsdata = ["curv_left", "curv_right", "sulc_left", "sulc_right", "thick_left", "thick_right", "area_left", "area_right"]
commits = {}
samples.append({
    "key": "fsaverage5",
    "title": "fsaverage5 cortical surfaces and maps",
    "description": "FreeSurfer fsaverage5 meshes (pial, white, inflated, sphere, flat; 10,242 vertices per hemisphere) with curvature, sulcal depth, thickness and area maps.",
    "citation": "Fischl B, Sereno MI, Tootell RBH, Dale AM (1999). High-resolution intersubject averaging and a coordinate system for the cortical surface. Human Brain Mapping 8:272-284.",
    "licence": "FreeSurfer licence; distributed with nilearn (BSD-3)",
    "space": "Fsaverage5",
    "recipe": "surfaces",
    "files": [entry(f"templates/fsaverage5/{n}.gii.gz", "Surface", f"https://github.com/nilearn/nilearn/raw/main/nilearn/datasets/data/fsaverage5/{n}.gii.gz") for n in fs]
    + [entry(f"templates/fsaverage5/{n}.gii.gz", "SurfaceData", f"https://github.com/nilearn/nilearn/raw/main/nilearn/datasets/data/fsaverage5/{n}.gii.gz") for n in fsdata],
})

out = os.path.join(repo, "src", "NeuroLab.Compute", "Samples", "catalogue.json")
with open(out, "w") as fh:
    json.dump({"generatedFrom": "../shared/data (original files, byte for byte)", "samples": samples}, fh, indent=1)
print(out, sum(len(s["files"]) for s in samples), "files in", len(samples), "samples")

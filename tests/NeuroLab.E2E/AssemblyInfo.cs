// Browser test classes run one after another: each starts its own app server, and a class that trains a model
// (the readout tests keep libtorch busy on every core) starves the others' servers on a 2-core machine until
// page loads exceed Playwright's timeouts. Serial classes keep every timeout meaningful.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

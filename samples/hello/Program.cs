using Flows;

// Runs a flow locally, like `python hello.py`; in a container this same entry point runs deployed flow runs.
// Runs started here are tagged "local", as the seed's `with tags("local")`.
using (FlowTags.Use("local"))
{
    return await FlowsApp.RunAsync(args);
}

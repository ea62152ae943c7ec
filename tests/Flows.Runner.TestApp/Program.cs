using Flows;

// With PREFECT__FLOW_RUN_ID set this is the in-image runner, as in a deployed image.
return await FlowsApp.RunAsync(args);

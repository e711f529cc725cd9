"""The model's version: bump MODEL_VERSION whenever a change to the model (parameters, systems, the order of
the schedule) can change the result of a replay. A class server verifies a recorded run only with the model
version it was played on."""
MODEL_VERSION = "2026.12.7"   # .2: human release calibration, contrast conditions; .3: end-plate fast response; .4: LEMS release; .5: LEMS spread and residual Ca2+ (issue 7); .6: the same model with its sums reordered for speed (CMAP, force and the reserve can differ in the last digit); .7: receptor recovery in long blocks as a scan (EPP can differ in the last digit), mean quanta and fired fraction divided by the fibre count (the double nearest the exact mean: they can differ in the last digit)

/**
 * Resolves a sweep's Hub models before anything runs: each `ORG/NAME[@REVISION]` is brought
 * into the huggingface_hub cache once, in the harness (not in every worker), and the model
 * gets its repository, commit and snapshot folder. A dry run looks in the cache only.
 *
 * @module
 */
import { HubError } from "../models/hub/hub_error.ts";
import { isHubModelId } from "../models/hub/hub_id.ts";
import { resolveHubModel } from "../models/hub/hub_model.ts";
import { hubSettings } from "../models/hub/hub_settings.ts";
import type { SweepModel } from "./sweep_file.ts";

/**
 * Sets `hub` on every Hub model of the sweep (downloading what is missing unless `dryRun`).
 * Throws the first {@link HubError}; in a dry run a model not yet cached is left unresolved.
 *
 * @example
 * ```ts ignore
 * await resolveHubModels(sweep.models, false);
 * ```
 */
export async function resolveHubModels(models: SweepModel[], dryRun: boolean): Promise<void> {
  for (const model of models) {
    if (!isHubModelId(model.id)) continue;
    const settings = hubSettings(dryRun ? { offline: true } : {});
    try {
      const hub = await resolveHubModel(model.id, settings);
      model.hub = {
        repo: hub.repo,
        revision: hub.revision,
        commit: hub.commit,
        folder: hub.folder,
      };
    } catch (error) {
      if (dryRun && error instanceof HubError) continue;
      throw error;
    }
  }
}

/**
 * Serves the test Hub imitation until killed, for trying the command line by hand:
 * `deno run -A models/hub/testing/serve_fake_hub.ts` prints `HF_ENDPOINT=…` and
 * `GRIFFIN_PAPER_DATA_URL=…` lines to export.
 *
 * @module
 */
import { datasetRepos, XSUM_TEXT } from "../../../tools/data/testing/fixture_datasets.ts";
import { startFakeHub } from "./fake_hub.ts";
import { fixtureRepos } from "./fixture_repos.ts";

if (import.meta.main) {
  const hub = startFakeHub([...fixtureRepos(), ...datasetRepos()], {
    "xsum_data/xsum_1shot.jsonl": new TextEncoder().encode(XSUM_TEXT),
  });
  console.log(`HF_ENDPOINT=${hub.endpoint}`);
  console.log(`GRIFFIN_PAPER_DATA_URL=${hub.lfsOrigin}/files`);
}

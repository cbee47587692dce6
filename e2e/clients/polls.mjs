// masto.js against a live Pictor server, for polls: alice posts a status
// with a multiple-choice poll, bob votes on it and reads it back, a second
// vote is refused with 422, and the instance states the poll limits.
// Driven by e2e/polls_test.go (TestClientLibraryPolls) with two tokens.
import { createRestAPIClient } from "masto";
import { check, done, env, log } from "./lib.mjs";

const url = env("PICTOR_URL");
const alice = createRestAPIClient({ url, accessToken: env("ALICE_TOKEN") });
const bob = createRestAPIClient({ url, accessToken: env("BOB_TOKEN") });

const instance = await alice.v2.instance.fetch();
const limits = instance.configuration.polls;
check(limits.maxOptions === 4 && limits.maxCharactersPerOption === 50 && limits.minExpiration === 300 &&
  limits.maxExpiration === 2629746, "configuration.polls", limits);

const status = await alice.v1.statuses.create({
  status: "Which colours?",
  poll: { options: ["red", "green", "blue"], expiresIn: 3600, multiple: true },
});
const poll = status.poll;
check(poll && poll.multiple && poll.options.length === 3 && poll.options[2].title === "blue" && !poll.expired &&
  poll.voted === false && Array.isArray(poll.ownVotes) && poll.ownVotes.length === 0, "poll on the new status", poll);
log("poll", poll.id, "expires", poll.expiresAt);

const voted = await bob.v1.polls.$select(poll.id).votes.create({ choices: [0, 2] });
check(voted.voted && voted.ownVotes.join() === "0,2" && voted.votesCount === 2 && voted.votersCount === 1 &&
  voted.options[0].votesCount === 1 && voted.options[1].votesCount === 0, "poll after the vote", voted);

const fetched = await bob.v1.polls.$select(poll.id).fetch();
check(fetched.id === poll.id && fetched.ownVotes.join() === "0,2", "GET poll", fetched);

let refused = null;
try {
  await bob.v1.polls.$select(poll.id).votes.create({ choices: [1] });
} catch (err) {
  refused = err;
}
check(refused && refused.statusCode === 422, "second vote refused with 422", refused && { status: refused.statusCode, message: refused.message });

const seen = await alice.v1.statuses.$select(status.id).fetch();
check(seen.poll.votesCount === 2 && seen.poll.voted === false, "the author's view", seen.poll);
done({ poll: poll.id, votes: seen.poll.votesCount });

// CI helper that publishes the site.
const GITHUB_TOKEN = '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';
const SLACK_BOT_TOKEN = 'xoxb-978791353417-4724988275561-4q1FN8auAZFoE2TEaPbSXM6l';
module.exports = { GITHUB_TOKEN, SLACK_BOT_TOKEN };

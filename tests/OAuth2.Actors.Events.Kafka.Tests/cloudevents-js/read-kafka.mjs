// Reads one Kafka record, {"headers": {name: text}, "key": text|null, "value": text}, from standard input, decodes
// it with the npm cloudevents package's Kafka binding (Kafka.toEvent, binary or structured by its content-type) and
// prints the CloudEvent in the JSON event format on standard output. Exit 1 with the error on standard error.
import { Kafka } from "cloudevents";

let input = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) {
  input += chunk;
}

try {
  const record = JSON.parse(input);
  const event = Kafka.toEvent({
    headers: record.headers,
    key: record.key ?? undefined,
    value: record.value,
    body: record.value,
  });
  event.validate();
  process.stdout.write(JSON.stringify(event));
} catch (e) {
  process.stderr.write(`${e?.name ?? "Error"}: ${e?.message ?? e} ${JSON.stringify(e?.errors ?? "")}\n`);
  process.exit(1);
}

# walkthrough (the CLI version of the README's curl walkthrough)
export CLOUDCA_API_KEY=${CLOUDCA_API_KEY:-walkthrough-key-0123456789abcdef}
export CLOUDCA_API_URL=${CLOUDCA_API_URL:-http://127.0.0.1:8080/v1}

# What can instances be made from? (tables on a terminal; -o json for scripts)
cloudca templates list
cloudca compute-offerings list
cloudca networks list

# Create an instance; names work wherever the API wants an id. The command waits for the task.
cloudca instances create ultron --template "CentOS 6.8 PV" --offering 1vCPU.512MB --network Web-prod \
  -o json | jq '{id, state, ipAddress, macAddress}'

# Stop it; stopping it again is refused with the contract's INVALID_STATE error (exit code 4).
cloudca instances stop ultron -o json | jq .state
cloudca instances stop ultron -o json 2>&1 | jq '.errors[0] | {code, errorCode, context}' || echo "exit code: $?"

# Reset its password: the new password is only in the task result.
cloudca instances reset-password ultron -o json | jq -r '"new password: \(.password)"'

# Destroy it (recoverable), then recover it: it comes back Stopped.
cloudca instances destroy ultron -o json | jq .state
cloudca instances recover ultron -o json | jq .state

# Start it without waiting: --no-wait prints the task, and `cloudca tasks wait` picks it up.
TASK=$(cloudca instances start ultron --no-wait -o json | jq -r .taskId)
cloudca tasks wait "$TASK" -o json | jq .state

# Destroy and purge it in one go: afterwards it is gone (exit code 3).
cloudca instances destroy ultron --purge -o json | jq .state
cloudca instances get ultron -o json 2>/dev/null || echo "exit code: $?"

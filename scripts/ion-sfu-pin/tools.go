//go:build tools

package tools

import _ "github.com/pion/ion-sfu/cmd/signal/json-rpc"

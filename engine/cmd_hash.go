package engine

var hashCommands = []cmdDef{}
